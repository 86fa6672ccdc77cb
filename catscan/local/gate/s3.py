"""S3 behind the gate: every request is authenticated (SigV4, header or presigned: s3_signature.py),
classified (s3_actions.py) and authorized against the grants of the role its credentials carry (grants.py,
evaluated by iam_policy.py) before anything reaches moto. CORS follows the bucket's rules (s3_cors.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from aiohttp import web

from .config import GateConfig
from .errors import S3Error, access_denied
from .grants import SCANNER_ROLE, policy_for_role
from .iam_policy import Check, allowed, statements_for
from .proxy import MotoProxy
from .s3_actions import Operation, classify, delete_objects_checks, object_arn
from .s3_cors import CorsConfigs, strip_cors
from .s3_payload import Body, prepare
from .s3_signature import S3SigV4Verifier, Verified
from .state import GateState, UploadRecord

log = logging.getLogger(__name__)

DECISION = web.RequestKey("decision", "Decision")
MAX_DELETE_BODY = 2 * 1024 * 1024
NO_SUCH_UPLOAD = S3Error(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, "
    "or the upload may have been aborted or completed.",
    404,
)


@dataclass
class Decision:
    verified: Verified
    operation: Operation


class S3:
    def __init__(self, config: GateConfig, state: GateState, proxy: MotoProxy) -> None:
        self.config, self.state, self.proxy = config, state, proxy
        self.verifier = S3SigV4Verifier(
            config.region,
            state,
            {**config.service_credentials, **config.scanner_credentials},
            config.clock,
            config.max_clock_skew_seconds,
            config.max_presign_expires_seconds,
            service_roles=dict.fromkeys(config.scanner_credentials, SCANNER_ROLE),
        )
        self.cors = CorsConfigs(self._fetch_cors, ttl=config.cors_cache_seconds)

    async def _fetch_cors(self, bucket: str) -> bytes | None:
        status, body = await self.proxy.get(f"/{bucket}?cors")
        return body if status == 200 else None

    async def before_body(self, request: web.Request) -> web.StreamResponse | None:
        """For `Expect: 100-continue`: the refusal to send instead of 100 Continue, or None."""
        try:
            request[DECISION] = self.decide(request)
        except S3Error as exc:
            response = exc.response(request.method)
            response.headers.update(await self._cors_headers(request))
            response.force_close()
            return response
        return None

    @staticmethod
    def _bucket(request: web.Request) -> str | None:
        segments = request.rel_url.raw_path.split("/", 2)
        return unquote(segments[1]) if len(segments) > 1 and segments[1] else None

    async def _cors_headers(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if not origin:
            return {}
        try:
            return await self.cors.actual(self._bucket(request), origin, request.method)
        except Exception:
            log.exception("reading the bucket CORS configuration failed")
            return {}

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        try:
            headers = await self.cors.preflight(
                self._bucket(request),
                request.headers.get("Origin"),
                request.headers.get("Access-Control-Request-Method"),
                request.headers.get("Access-Control-Request-Headers"),
            )
        except S3Error as exc:
            return exc.response("OPTIONS")
        return web.Response(status=200, headers=headers)

    def decide(self, request: web.Request) -> Decision:
        """Authenticate and authorize everything that does not depend on the body (S3Error when refused)."""
        raw_path, raw_query = request.rel_url.raw_path, request.rel_url.raw_query_string
        verified = self.verifier.verify(request.method, raw_path, raw_query, request.headers)
        if verified is None:
            raise access_denied()
        operation = classify(request.method, raw_path, raw_query, request.headers)
        self.authorize(verified, operation)
        return Decision(verified, operation)

    def authorize(self, verified: Verified, op: Operation) -> None:
        principal = verified.principal
        if principal.is_service:
            return
        identity = principal.identity_id or ""  # a role-bound service key has no identity variable
        if not op.supported:
            raise access_denied()
        statements = statements_for(self.config.bucket, identity, policy_for_role(principal.role or ""))
        if op.upload_id is not None:
            record = self.state.upload(op.upload_id)
            if record is None or record.bucket != op.bucket or record.key != op.key:
                # S3 ties an upload id to its key; moto does not, so the gate checks it. Whoever may write
                # the key learns that there is no such upload there; anyone else is denied.
                assert op.bucket is not None and op.key is not None
                if allowed(statements, Check("s3:PutObject", object_arn(op.bucket, op.key))):
                    raise NO_SUCH_UPLOAD
                raise access_denied()
            if op.initiator_action is not None:
                if record.initiator == identity or allowed(statements, op.initiator_action):
                    return
                raise access_denied()
            if record.initiator != identity:  # only the initiator uploads parts and completes
                raise access_denied()
        if op.name == "DeleteObjects":
            return  # per key, once the body is read
        if not op.checks or not all(allowed(statements, c) for c in op.checks):
            raise access_denied()

    async def request(self, request: web.Request) -> web.StreamResponse:
        method = request.method
        cors = await self._cors_headers(request)
        body: Body | None = None
        try:
            decision = request.get(DECISION) or self.decide(request)
            verified, op = decision.verified, decision.operation
            log.debug(
                "%s %s: %s by %s, payload %s%s",
                method,
                request.raw_path[:200],
                op.name,
                verified.principal.identity_id or verified.principal.access_key,
                verified.payload_hash,
                " (presigned)" if verified.presigned else "",
            )
            has_body = request.body_exists
            length = request.content_length
            decoded = request.headers.get("x-amz-decoded-content-length")
            body = await prepare(
                request.content,
                has_body,
                length,
                verified,
                int(decoded) if decoded and decoded.isdigit() else None,
            )
            if op.name == "DeleteObjects" and not verified.principal.is_service:
                return await self._delete_objects(request, verified, op, body, cors)
            headers = self.proxy.request_headers(request.headers, body)
            if op.name in ("CreateMultipartUpload", "CompleteMultipartUpload", "AbortMultipartUpload"):
                return await self._multipart(request, verified, op, headers, body, cors)
            if op.bucket and op.key is None and "cors" in request.rel_url.query:
                self.cors.invalidate(op.bucket)
            return await self.proxy.relay(
                request,
                method,
                request.raw_path,
                headers,
                body,
                extra_headers=cors,
                filter_headers=strip_cors,
            )
        except S3Error as exc:
            if exc.status >= 500:
                log.warning("%s %s: %s", method, request.raw_path, exc)
            else:
                log.info("refused %s %s: %s", method, request.raw_path, exc)
            response = exc.response(method)
            response.headers.update(cors)
            return response
        finally:
            if body is not None:
                body.close()

    async def _multipart(
        self,
        request: web.Request,
        verified: Verified,
        op: Operation,
        headers: Any,
        body: Body | None,
        cors: dict[str, str],
    ) -> web.Response:
        status, reason, out, data = await self.proxy.exchange(request.method, request.raw_path, headers, body)
        if op.name == "CreateMultipartUpload" and status == 200:
            upload_id = _xml_text(data, "UploadId")
            if upload_id and op.bucket and op.key is not None:
                principal = verified.principal
                initiator = principal.identity_id or f"service:{principal.access_key}"
                self.state.record_upload(upload_id, UploadRecord(initiator, op.bucket, op.key))
        elif op.upload_id and status in (200, 204) and b"<Error>" not in data:
            self.state.forget_upload(op.upload_id)
        return web.Response(status=status, reason=reason, body=data, headers={**strip_cors(out), **cors})

    async def _delete_objects(
        self, request: web.Request, verified: Verified, op: Operation, body: Body, cors: dict[str, str]
    ) -> web.Response:
        """DeleteObjects like S3: keys the caller may delete are deleted, the others get AccessDenied."""
        if body.length is not None and body.length > MAX_DELETE_BODY:
            raise S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400)
        if body.stream is not None:
            raw = await body.stream.read(MAX_DELETE_BODY + 1)
        else:
            raw = b"".join([block async for block in body.chunks()])
        if len(raw) > MAX_DELETE_BODY:
            raise S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400)
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as exc:
            raise S3Error(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
                400,
            ) from exc
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        quiet = (root.findtext(f"{ns}Quiet") or "").strip().lower() == "true"
        entries = [
            ((o.findtext(f"{ns}Key") or ""), o.findtext(f"{ns}VersionId"))
            for o in root.findall(f"{ns}Object")
        ]
        assert op.bucket is not None and verified.principal.identity_id is not None
        statements = statements_for(
            self.config.bucket, verified.principal.identity_id, policy_for_role(verified.principal.role or "")
        )
        checks = delete_objects_checks(op.bucket, entries)
        permitted = [e for e, c in zip(entries, checks, strict=True) if allowed(statements, c)]
        denied = [e for e, c in zip(entries, checks, strict=True) if not allowed(statements, c)]
        if not denied:
            headers = self.proxy.request_headers(request.headers, Body(length=len(raw)))
            status, reason, out, data = await self.proxy.exchange(
                "POST", request.raw_path, headers, Body(spool=_bytes_io(raw), length=len(raw))
            )
            return web.Response(status=status, reason=reason, body=data, headers={**strip_cors(out), **cors})
        result = ET.Element("DeleteResult", xmlns="http://s3.amazonaws.com/doc/2006-03-01/")
        status, reason, out = 200, "OK", {"Content-Type": "application/xml"}
        if permitted:
            objects = "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k, _ in permitted)
            filtered = (
                f'<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/'
                f'2006-03-01/"><Quiet>{str(quiet).lower()}</Quiet>{objects}</Delete>'
            ).encode()
            md5 = base64.b64encode(hashlib.md5(filtered).digest()).decode()
            headers = self.proxy.request_headers(
                request.headers,
                Body(length=len(filtered)),
                replace={"Content-MD5": md5, "x-amz-content-sha256": hashlib.sha256(filtered).hexdigest()},
                drop=(
                    "x-amz-sdk-checksum-algorithm",
                    "x-amz-checksum-crc32",
                    "x-amz-checksum-crc32c",
                    "x-amz-checksum-crc64nvme",
                    "x-amz-checksum-sha1",
                    "x-amz-checksum-sha256",
                ),
            )
            status, reason, moto_headers, data = await self.proxy.exchange(
                "POST", request.raw_path, headers, Body(spool=_bytes_io(filtered), length=len(filtered))
            )
            if status != 200:
                return web.Response(
                    status=status, reason=reason, body=data, headers={**strip_cors(moto_headers), **cors}
                )
            out = {k: v for k, v in strip_cors(moto_headers).items() if k.lower() != "content-length"}
            moto_root = ET.fromstring(data)
            for child in moto_root:
                child.tag = child.tag.rsplit("}", 1)[-1]
                for sub in child:
                    sub.tag = sub.tag.rsplit("}", 1)[-1]
                result.append(child)
        for key, version in denied:
            error = ET.SubElement(result, "Error")
            ET.SubElement(error, "Key").text = key
            if version:
                ET.SubElement(error, "VersionId").text = version
            ET.SubElement(error, "Code").text = "AccessDenied"
            ET.SubElement(error, "Message").text = "Access Denied"
        payload = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(result)
        return web.Response(status=status, reason=reason, body=payload, headers={**out, **cors})


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _xml_text(data: bytes, tag: str) -> str | None:
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == tag:
            return (element.text or "").strip()
    return None
