"""Request bodies above ``api.max_upload_mb`` get 413 before a route reads them."""

from __future__ import annotations

import json

from api.errors import error_body


class BodyLimit:
    """ASGI middleware: refuse a declared Content-Length over the limit; a body of undeclared length
    (chunked) is read up to the limit first and refused as soon as it grows past it."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message], receive), send)
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                return await self._refuse(send)
            more = message.get("more_body", False)
        return await self.app(scope, _replay([{"type": "http.request", "body": bytes(body), "more_body": False}],
                                             receive), send)

    async def _refuse(self, send) -> None:
        body = json.dumps(error_body(413, f"the request body is larger than {self.max_bytes / 2**20:g} MB "
                                          "(api.max_upload_mb)"), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[dict], receive):
    """A receive that gives ``messages`` first, then defers to the real one (for the disconnect)."""
    pending = list(messages)

    async def replay():
        return pending.pop(0) if pending else await receive()

    return replay
