"""Headers every response carries: no content sniffing anywhere, no caching of API answers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: On every response: a browser must take the declared type, never guess one from the bytes.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
#: On API, media and metrics responses: patient-related answers are never kept in a cache.
NO_STORE = {"Cache-Control": "no-store"}


def _private(path: str) -> bool:
    return path.startswith("/api/") or path == "/metrics"


class SecurityHeaders:
    """ASGI middleware adding :data:`NOSNIFF` everywhere and :data:`NO_STORE` under ``/api``.

    A plain ASGI wrapper (not ``BaseHTTPMiddleware``): it only edits the start message, so
    file responses keep streaming as they are.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**NOSNIFF, **(NO_STORE if _private(scope["path"]) else {})}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
