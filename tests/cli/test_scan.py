"""`catscan scan` against the local cloud, as a person and a script run it."""

from __future__ import annotations

import shutil

from tests.support.images import photo

JSON_KEYS = {"file", "scanId", "status", "isCat", "confidence", "reason", "seconds", "skipped"}


def by_name(lines: list[dict]) -> dict[str, dict]:
    return {line["file"].rsplit("/", 1)[-1]: line for line in lines}


def row(stdout: str, name: str) -> str:
    [line] = [line for line in stdout.splitlines() if line.split(" ", 1)[0].endswith("/" + name)]
    return line


def test_a_folder_gets_a_verdict_a_file_in_a_table(catscan, folder):
    result = catscan("scan", folder)
    assert result.code == 1, result.stderr  # rejected and skipped files
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[0].split() == ["FILE", "VERDICT", "CONFIDENCE", "SECONDS", "REASON"]
    assert " Cat " in row(result.stdout, "chelsea.png")
    assert " No cat " in row(result.stdout, "astronaut.png")
    assert " No cat " in row(result.stdout, "coffee.png")
    assert " Rejected " in row(result.stdout, "tiny.png") and "60x60" in row(result.stdout, "tiny.png")
    notes = row(result.stdout, "notes.jpg")
    assert " Skipped " in notes and "text file, not a JPEG or PNG image" in notes
    assert " Skipped " in row(result.stdout, "anim.gif") and "GIF" in row(result.stdout, "anim.gif")
    assert "6 files: 1 cat, 2 no cat, 1 rejected, 2 skipped" in result.stderr


def test_json_is_one_object_a_file_and_nothing_else(catscan, folder):
    result = catscan("scan", folder, "--json", "--concurrency", "2")
    assert result.code == 1
    lines = result.json_lines()  # every stdout line is JSON
    assert len(lines) == 6 and all(set(line) == JSON_KEYS for line in lines)
    files = by_name(lines)
    cat = files["chelsea.png"]
    assert cat["status"] == "DONE" and cat["isCat"] is True and cat["confidence"] >= 30
    assert cat["scanId"] and cat["seconds"] > 0 and cat["skipped"] is False
    for name in ("astronaut.png", "coffee.png"):
        assert files[name]["status"] == "DONE" and files[name]["isCat"] is False
    assert files["tiny.png"]["status"] == "REJECTED" and "60x60" in files["tiny.png"]["reason"]
    for name, what in (("notes.jpg", "text file"), ("anim.gif", "GIF")):
        skipped = files[name]
        assert skipped["status"] == "SKIPPED" and skipped["skipped"] is True and skipped["scanId"] is None
        assert what in skipped["reason"] and "JPEG or PNG" in skipped["reason"]


def test_only_cats_and_no_cats_exit_0(catscan, tmp_path):
    shutil.copy(photo("chelsea.png"), tmp_path / "cat.png")
    shutil.copy(photo("rocket.jpg"), tmp_path / "rocket.jpg")
    result = catscan("scan", tmp_path / "cat.png", tmp_path / "rocket.jpg", "--json")
    assert result.code == 0, result.stdout + result.stderr
    assert {line["status"] for line in result.json_lines()} == {"DONE"}


def test_a_file_given_twice_is_scanned_once_and_said_so(catscan, tmp_path):
    shutil.copy(photo("chelsea.png"), tmp_path / "cat.png")
    result = catscan("scan", tmp_path / "cat.png", tmp_path / ".." / tmp_path.name / "cat.png", "--json")
    assert result.code == 0, result.stderr
    assert len(result.json_lines()) == 1
    assert "given more than once: each file is scanned once" in result.stderr


def test_send_all_lets_the_scanner_reject_what_is_no_image(catscan, folder):
    result = catscan("scan", folder / "notes.jpg", "--send-all", "--json")
    assert result.code == 1
    [line] = result.json_lines()
    assert line["status"] == "REJECTED" and line["scanId"] and line["skipped"] is False
    assert "text file" in line["reason"] and "JPEG or PNG" in line["reason"]


def test_sub_folders_need_r(catscan, tmp_path):
    (tmp_path / "inner").mkdir()
    shutil.copy(photo("chelsea.png"), tmp_path / "inner" / "cat.png")
    (tmp_path / ".hidden.png").write_bytes(photo("coffee.png").read_bytes())

    flat = catscan("scan", tmp_path, "--json")
    assert flat.code == 2 and "no files to scan" in flat.stderr

    deep = catscan("scan", tmp_path, "-r", "--json")
    assert deep.code == 0, deep.stderr
    [line] = deep.json_lines()  # hidden files are left out
    assert line["file"].endswith("inner/cat.png") and line["isCat"] is True


def test_missing_files_are_skipped_and_counted(catscan, tmp_path):
    result = catscan("scan", tmp_path / "nope.png", "--json")
    assert result.code == 1
    [line] = result.json_lines()
    assert line["status"] == "SKIPPED" and "No such file" in line["reason"]


def test_scans_without_a_verdict_in_time_are_timed_out(catscan):
    result = catscan("scan", photo("coffee.png"), "--json", "--timeout", "0.001")
    assert result.code == 1 and "Traceback" not in result.stderr
    [line] = result.json_lines()
    assert line["status"] == "TIMEOUT" and line["reason"]


def test_files_that_cannot_be_read_are_skipped_and_counted(catscan, tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.png")  # opening it would block: it must not be opened at all
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    locked = tmp_path / "locked.png"
    locked.write_bytes(photo("chelsea.png").read_bytes())
    locked.chmod(0)
    result = catscan("scan", tmp_path, "--json", timeout=20)
    assert result.code == 1 and "Traceback" not in result.stderr
    files = by_name(result.json_lines())
    assert files["pipe.png"]["status"] == "SKIPPED" and "Not a regular file" in files["pipe.png"]["reason"]
    assert files["dangling.jpg"]["status"] == "SKIPPED"
    if os.geteuid() != 0:  # root reads anything
        assert (
            files["locked.png"]["status"] == "SKIPPED"
            and "Permission denied" in files["locked.png"]["reason"]
        )


def test_files_over_15_mb_are_refused_before_upload_with_the_uis_reason(catscan, tmp_path):
    big = tmp_path / "big.png"
    with big.open("wb") as out:  # a PNG signature, then 16 MB (sparse): too large whatever it holds
        out.write(b"\x89PNG\r\n\x1a\n")
        out.truncate(16 * 1024 * 1024)
    result = catscan("scan", big, "--json")
    assert result.code == 1
    [line] = result.json_lines()
    assert line["status"] == "SKIPPED" and line["scanId"] is None  # never created, never uploaded
    # word for word what frontend/src/lib/validation.ts says for the same file
    assert line["reason"] == "big.png is 16 MB: images up to 15 MB can be scanned."
