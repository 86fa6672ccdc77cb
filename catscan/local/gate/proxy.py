"""Forwarding to moto: method, raw path and query, headers and body as the client sent them; the response
(status, headers, body) relayed back as moto sent it, streamed both ways.

moto ignores signatures, so the client's Authorization header goes along unchanged (moto reads the service
and region from its credential scope). The Host header becomes moto's, so moto always reads the bucket from
the path, exactly as the gate did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from multidict import CIMultiDict
from yarl import URL

from .s3_payload import CHUNK, Body

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
}


class MotoProxy:
    def __init__(self, moto_url: str) -> None:
        self.base = moto_url.rstrip("/")
        self.netloc = URL(self.base).raw_authority
        self._session: ClientSession | None = None

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            self._session = ClientSession(
                connector=TCPConnector(limit=64),
                auto_decompress=False,
                timeout=ClientTimeout(total=None, sock_connect=10, sock_read=300),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def request_headers(
        self,
        headers: Mapping[str, str],
        body: Body | None,
        replace: Mapping[str, str] | None = None,
        drop: tuple[str, ...] = (),
    ) -> CIMultiDict[str]:
        out: CIMultiDict[str] = CIMultiDict()
        for name, value in headers.items():
            lname = name.lower()
            if lname in HOP_BY_HOP or lname in drop or (replace and lname in {k.lower() for k in replace}):
                continue
            out.add(name, value)
        out["Host"] = self.netloc
        for name, value in (replace or {}).items():
            out[name] = value
        if body is not None and body.length is not None:
            out["Content-Length"] = str(body.length)
        return out

    async def get(self, path_and_query: str) -> tuple[int, bytes]:
        async with self.session.get(
            URL(self.base + path_and_query, encoded=True), headers={"Host": self.netloc}
        ) as resp:
            return resp.status, await resp.read()

    def send(self, method: str, path_and_query: str, headers: CIMultiDict[str], body: Body | None):
        has_data = body is not None and (body.spool is not None or body.stream is not None)
        return self.session.request(
            method,
            URL(self.base + path_and_query, encoded=True),
            headers=headers,
            data=body.chunks() if has_data else None,
            allow_redirects=False,
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
        )

    async def relay(
        self,
        request: web.Request,
        method: str,
        path_and_query: str,
        headers: CIMultiDict[str],
        body: Body | None,
        extra_headers: Mapping[str, str] | None = None,
        filter_headers: Callable[[Mapping[str, str]], Mapping[str, str]] | None = None,
    ) -> web.StreamResponse:
        """Sends the request to moto and streams moto's answer to the client."""
        async with self.send(method, path_and_query, headers, body) as upstream:
            out = CIMultiDict(
                (k, v)
                for k, v in upstream.headers.items()
                if k.lower() not in HOP_BY_HOP or k.lower() == "content-length"
            )
            if filter_headers is not None:
                out = CIMultiDict(filter_headers(out))
            for name, value in (extra_headers or {}).items():
                out[name] = value
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason, headers=out)
            length = upstream.headers.get("Content-Length")
            if length is not None and length.isdigit():
                response.content_length = int(length)
            await response.prepare(request)
            if method != "HEAD":
                async for block in upstream.content.iter_chunked(CHUNK):
                    await response.write(block)
            await response.write_eof()
            return response

    async def exchange(
        self, method: str, path_and_query: str, headers: CIMultiDict[str], body: Body | None
    ) -> tuple[int, str, CIMultiDict[str], bytes]:
        """Sends the request to moto and reads its whole (small) answer, to be looked at before relaying."""
        async with self.send(method, path_and_query, headers, body) as upstream:
            data = await upstream.read()
            out = CIMultiDict((k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP)
            return upstream.status, upstream.reason or "", out, data
