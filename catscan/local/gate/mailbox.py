"""The local mailbox: the confirmation and password-reset codes Cognito would e-mail, kept where a developer
can read them.

Cognito generates a code, sends it to the user's e-mail address and checks it later (a sign-up code is
valid for 24 hours, a password-reset code for 1 hour; a new code replaces the one sent before). moto
generates no usable code and accepts any, so the gate does it: `send` makes a 6-digit code and "delivers"
it into `{state_dir}/local-mailbox.json` (mode 0600) and the gate's log; `check` refuses a wrong code with
`CodeMismatchException` and an expired (or never requested) one with `ExpiredCodeException`, as Cognito does.
`catscan dev` prints new messages on its console and the gate shows them at `/__gate/mailbox`.

Codes are kept per user (the pool's immutable user name, the `sub`) and purpose, so signing in with the
e-mail address or the `sub` finds the same code.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import CognitoError
from .state import write_private_json

log = logging.getLogger(__name__)

SIGN_UP = "sign-up"
PASSWORD_RESET = "password-reset"
CODE_TTL_SECONDS = {SIGN_UP: 24 * 3600, PASSWORD_RESET: 3600}  # Cognito's validity of each kind of code
SUBJECTS = {SIGN_UP: "Your verification code", PASSWORD_RESET: "Your password reset code"}
MAX_MESSAGES = 200  # the page and the file keep the newest ones

CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."


def code_mismatch() -> CognitoError:
    return CognitoError("CodeMismatchException", CODE_MISMATCH)


def code_expired() -> CognitoError:
    return CognitoError("ExpiredCodeException", CODE_EXPIRED)


def mask_email(address: str) -> str:
    """Cognito's `CodeDeliveryDetails.Destination` for an e-mail: `d***@c***` (first letters only)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else f"{local[:1]}***"


def delivery_details(address: str) -> dict[str, str]:
    return {"Destination": mask_email(address), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


@dataclass(frozen=True)
class Message:
    id: int
    sent: float
    to: str
    purpose: str
    code: str
    expires: float
    user: str  # the pool's user name (sub) the code belongs to

    @property
    def subject(self) -> str:
        return SUBJECTS.get(self.purpose, self.purpose)

    def line(self) -> str:
        """One line for logs and the `catscan dev` console."""
        hours = round((self.expires - self.sent) / 3600)
        until = time.strftime("%a %H:%M", time.localtime(self.expires))
        return f"mail to {self.to}: {self.subject.lower()} is {self.code} (valid {hours} h, until {until})"


class Mailbox:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._pending: dict[str, int] = {}  # "{purpose}:{user}" -> id of the message holding the valid code
        self._load()

    def send(self, user: str, address: str, purpose: str) -> Message:
        """A new code for (user, purpose), replacing any earlier one, delivered to the mailbox."""
        with self._lock:
            now = self.clock()
            message = Message(
                id=(self._messages[-1].id + 1) if self._messages else 1,
                sent=now,
                to=address,
                purpose=purpose,
                code=f"{secrets.randbelow(10**6):06d}",
                expires=now + CODE_TTL_SECONDS[purpose],
                user=user,
            )
            self._messages.append(message)
            self._pending[f"{purpose}:{user}"] = message.id
            self._save()
        log.info("%s", message.line())
        return message

    def check(self, user: str, purpose: str, code: Any) -> None:
        """Raises Cognito's error unless `code` is the user's current, unexpired code for `purpose`."""
        with self._lock:
            pending = self._pending_message(user, purpose)
        if pending is None or pending.expires <= self.clock():
            raise code_expired()
        if not isinstance(code, str) or not secrets.compare_digest(code.strip(), pending.code):
            raise code_mismatch()

    def use(self, user: str, purpose: str) -> None:
        """The code did its job (or the user was confirmed another way): it cannot be used again."""
        with self._lock:
            if self._pending.pop(f"{purpose}:{user}", None) is not None:
                self._save()

    def messages(self) -> list[Message]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._messages))

    def _pending_message(self, user: str, purpose: str) -> Message | None:
        wanted = self._pending.get(f"{purpose}:{user}")
        return next((m for m in reversed(self._messages) if m.id == wanted), None)

    def _load(self) -> None:
        self._messages = read_messages(self.path)
        try:
            raw = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        self._pending = {str(k): int(v) for k, v in raw.get("pending", {}).items()}

    def _save(self) -> None:
        self._messages = self._messages[-MAX_MESSAGES:]
        kept = {m.id for m in self._messages}
        self._pending = {k: v for k, v in self._pending.items() if v in kept}
        data = {"messages": [asdict(m) for m in self._messages], "pending": self._pending}
        write_private_json(self.path, data)


def read_messages(path: Path) -> list[Message]:
    """The messages in a mailbox file, oldest first ([] if there is none yet); for `catscan dev`'s console."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return []
    return [Message(**item) for item in raw.get("messages", [])]
