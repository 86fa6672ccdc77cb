"""Serves the built web UI and, at /amplify_outputs.json, the outputs the local cloud just wrote.

The UI reads its configuration at run time, so one build works against any local cloud ports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aiohttp import web


def create_app(dist: Path, outputs: Path) -> web.Application:
    async def outputs_json(_: web.Request) -> web.StreamResponse:
        if not outputs.exists():
            raise web.HTTPServiceUnavailable(text="the local cloud has not written amplify_outputs.json yet")
        return web.FileResponse(outputs, headers={"Cache-Control": "no-store"})

    async def spa(request: web.Request) -> web.StreamResponse:
        index = dist / "index.html"
        if not index.exists():
            return web.Response(
                status=503, text="The web UI is not built: run `make dev` (it builds frontend/)."
            )
        path = (dist / request.match_info["path"]).resolve()
        if path.is_file() and dist.resolve() in path.parents:
            cache = "public, max-age=31536000, immutable" if "/assets/" in str(path) else "no-cache"
            return web.FileResponse(path, headers={"Cache-Control": cache})
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})  # client-side routes

    app = web.Application()
    app.router.add_get("/amplify_outputs.json", outputs_json)
    app.router.add_get("/{path:.*}", spa)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="catscan local web UI server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5173)
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--outputs", type=Path, required=True)
    args = parser.parse_args()
    web.run_app(create_app(args.dist, args.outputs), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
