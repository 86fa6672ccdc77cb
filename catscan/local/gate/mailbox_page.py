"""The local mailbox as a page (`GET /__gate/mailbox`) and as JSON (`GET /__gate/mailbox.json`).

The sign-in screen of the web UI links here in local mode: the codes the local Cognito "e-mailed" are read
here (and on the `catscan dev` console). Server-rendered, no script: it is a developer's tool page.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from html import escape

from aiohttp import web

from .mailbox import Mailbox, Message

MAILBOX_PATH = "/__gate/mailbox"
MAILBOX_JSON_PATH = "/__gate/mailbox.json"

_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
.note { opacity: .75; }
ol { list-style: none; padding: 0; }
li { border: 1px solid #8884; border-radius: .6rem; padding: .75rem 1rem; margin: .75rem 0; }
.code { font: 600 1.6rem ui-monospace, monospace; letter-spacing: .2em; }
.meta { font-size: .9rem; opacity: .75; }
.expired .code { text-decoration: line-through; opacity: .6; }
"""


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _item(message: Message, now: float) -> str:
    state = "expired" if message.expires <= now else "valid"
    return (
        f'<li class="{state}" data-to="{escape(message.to)}" data-purpose="{escape(message.purpose)}">'
        f"<div><strong>{escape(message.subject)}</strong> to {escape(message.to)}</div>"
        f'<div class="code" data-testid="code">{escape(message.code)}</div>'
        f'<div class="meta">sent {_when(message.sent)}; '
        f"{'expired' if state == 'expired' else 'valid until'} {_when(message.expires)}</div></li>"
    )


def render(mailbox: Mailbox, now: float) -> str:
    messages = mailbox.messages()
    items = "".join(_item(m, now) for m in messages) or "<p>No messages yet.</p>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>catscan local mailbox</title><style>{_STYLE}</style></head><body>"
        "<h1>Local mailbox</h1>"
        '<p class="note">The local cloud sends no e-mail: the confirmation and password-reset codes it would '
        "send are here, newest first (also on the <code>catscan dev</code> console and in "
        "<code>.local-cloud/logs/storage-gate.log</code>). Only the newest code of each kind is valid. "
        '<a href="">Refresh</a></p>'
        f"<ol>{items}</ol></body></html>"
    )


def page(mailbox: Mailbox, now: float) -> web.Response:
    return web.Response(
        text=render(mailbox, now), content_type="text/html", headers={"Cache-Control": "no-store"}
    )


def as_json(mailbox: Mailbox, now: float) -> web.Response:
    messages = [{**asdict(m), "expired": m.expires <= now} for m in mailbox.messages()]
    return web.json_response({"messages": messages}, headers={"Cache-Control": "no-store"})
