"""Every error of the API as JSON: ``{"error": "<clear message>", "detail": ...}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.web.headers import NO_STORE, NOSNIFF

log = logging.getLogger(__name__)

_MESSAGES = {
    401: "authentication required",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    422: "invalid request parameters",
}


class ApiError(Exception):
    """An error the API answers with ``status`` and a clear ``message``."""

    def __init__(
        self, status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
        self.headers = headers


def error_response(
    status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON body and status of one error (never cached, never sniffed).

    The headers are set here too, not only by the middleware: a 500 is answered outside it.
    """
    every = {**NOSNIFF, **NO_STORE, **(headers or {})}
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=every)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.detail, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = _MESSAGES.get(exc.status_code, "request failed")
    detail = None if exc.detail in (None, message, "Not Found") else exc.detail
    return error_response(exc.status_code, message, detail, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"parameter": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
        for e in exc.errors()
    ]
    return error_response(422, _MESSAGES[422], detail)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error serving %s", request.url.path)
    return error_response(500, "internal server error")


def install(app: FastAPI) -> None:
    """Register the JSON error handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
