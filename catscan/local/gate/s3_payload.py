"""Request bodies on their way to moto: streamed, or spooled and checked first when the signature covers them.

- `x-amz-content-sha256: <hex>` (boto3 over http signs the payload): the body is spooled (memory, then a
  temporary file) while hashed, and refused with S3's `XAmzContentSHA256Mismatch` when it differs; only a
  verified body is forwarded.
- `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (aws-chunked with chunk signatures): spooled, every chunk signature is
  checked in its chain from the seed signature, then the chunked body is forwarded (moto de-chunks it using
  `x-amz-decoded-content-length`).
- `UNSIGNED-PAYLOAD` (presigned URLs, the browser) and `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (aws-chunked with
  a trailing checksum): streamed through as they arrive; moto de-chunks the trailer form itself.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

from aiohttp import StreamReader

from .errors import S3Error, signature_mismatch
from .s3_signature import EMPTY_SHA256, HEX_SHA256, STREAMING_SIGNED, Verified

CHUNK = 256 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024


@dataclass
class Body:
    """What to send to moto: nothing, a verified spool, or the client's stream."""

    spool: IO[bytes] | None = None
    stream: StreamReader | None = None
    length: int | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.spool is not None:
            self.spool.seek(0)
            while block := self.spool.read(CHUNK):
                yield block
        elif self.stream is not None:
            async for block in self.stream.iter_chunked(CHUNK):
                yield block

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


async def spool(stream: StreamReader) -> tuple[IO[bytes], str, int]:
    """The whole body in a spooled file, with its SHA-256 and length."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to Body, closed there
    digest, size = hashlib.sha256(), 0
    async for block in stream.iter_chunked(CHUNK):
        digest.update(block)
        out.write(block)
        size += len(block)
    return out, digest.hexdigest(), size


async def prepare(
    stream: StreamReader,
    has_body: bool,
    length: int | None,
    verified: Verified | None,
    decoded_length: int | None = None,
) -> Body:
    if not has_body:
        return Body()
    payload = verified.payload_hash if verified else None
    if payload and HEX_SHA256.match(payload):
        data, digest, size = await spool(stream)
        if digest != payload:
            data.close()
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                400,
                ClientComputedContentSHA256=payload,
                S3ComputedContentSHA256=digest,
            )
        return Body(spool=data, length=size)
    if payload == STREAMING_SIGNED and verified is not None:
        data, _, size = await spool(stream)
        try:
            verify_chunks(data, verified, decoded_length)
        except S3Error:
            data.close()
            raise
        return Body(spool=data, length=size)
    return Body(stream=stream, length=length)


def verify_chunks(data: IO[bytes], verified: Verified, decoded_length: int | None = None) -> int:
    """Checks each `hex-size;chunk-signature=sig\\r\\n data \\r\\n` chunk; returns the decoded length."""
    data.seek(0)
    previous = verified.signature
    total = 0
    while True:
        line = data.readline(4096)
        if not line.endswith(b"\r\n"):
            raise S3Error("IncompleteBody", "The request body terminated unexpectedly", 400)
        size_hex, _, ext = line[:-2].partition(b";")
        name, _, signature = ext.partition(b"=")
        try:
            size = int(size_hex, 16)
        except ValueError as exc:
            raise S3Error(
                "InvalidChunkSizeError",
                "Only the last chunk is allowed to have a size less than 8192 bytes",
                400,
            ) from exc
        if name.strip() != b"chunk-signature":
            raise signature_mismatch()
        chunk = data.read(size)
        if len(chunk) != size:
            raise S3Error("IncompleteBody", "The request body terminated unexpectedly", 400)
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                verified.amz_date,
                verified.scope,
                previous,
                EMPTY_SHA256,
                hashlib.sha256(chunk).hexdigest(),
            ]
        )
        expected = hmac.new(verified.signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.decode(errors="replace").strip().lower()):
            raise signature_mismatch()
        previous = expected
        total += size
        if size == 0:
            break
        if data.read(2) != b"\r\n":
            raise S3Error("IncompleteBody", "The request body terminated unexpectedly", 400)
    if decoded_length is not None and total != decoded_length:
        raise S3Error("IncompleteBody", "The request body terminated unexpectedly", 400)
    return total
