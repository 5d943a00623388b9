"""The FastAPI application factory: the API, ``/metrics`` and the web page at ``/``."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.bootstrap import Services
from adapters.web import errors, spec
from adapters.web.auth import TokenAuth, caller_role
from adapters.web.headers import SecurityHeaders
from adapters.web.media_routes import media_router, signer_for
from adapters.web.prometheus import exposition
from adapters.web.readside import ReadSide
from adapters.web.review_routes import review_router
from adapters.web.routes import api_router

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
DOCS_ASSETS = "/api/docs/assets"
#: The page loads only its own scripts and style; videos stream from signed same-origin links.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; media-src 'self' blob:; object-src 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def create_app(services: Services, auth: TokenAuth | None = None) -> FastAPI:
    """Build the HTTP service over ``services``.

    Args:
        services: the wired application (``adapters.bootstrap.build``).
        auth: the tokens; by default those of ``services.settings``.

    Returns:
        The ASGI application (serve it with uvicorn).
    """
    auth = auth or TokenAuth.from_settings(services.settings)
    if not auth.configured:
        log.warning("no API tokens configured: every API call will be refused (401)")
    read = ReadSide(services, services.settings.views_max_staleness)
    app = FastAPI(
        title="endoveil",
        version="0.1.0",
        description=(
            "Endoscopy videos anonymized through an audited fallback chain. Every call needs "
            "`Authorization: Bearer <token>`; raw (not anonymized) videos need a reviewer token."
        ),
        docs_url=None,  # served below from local assets: the CDN is not reachable offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.state.auth = auth
    app.state.read_side = read
    app.include_router(api_router(read))
    app.include_router(review_router(read))
    app.include_router(media_router(read, signer_for(read)))

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        dependencies=[Depends(caller_role)],
        responses=spec.PROMETHEUS,
        response_class=Response,
    )
    def metrics() -> Response:
        return Response(exposition(read), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=_PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _offline_docs(app)
    return app


def _swagger_ui_assets() -> Path:
    """The Swagger UI files the ``swagger-ui-py`` package ships.

    Found without importing the package: its import wires handlers for other web frameworks.
    """
    found = importlib.util.find_spec("swagger_ui")
    assert found is not None and found.submodule_search_locations, "swagger-ui-py is missing"
    return Path(next(iter(found.submodule_search_locations))) / "static"


def _offline_docs(app: FastAPI) -> None:
    """``/api/docs``: Swagger UI 5 from the ``swagger-ui-py`` package, not from a CDN."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=_swagger_ui_assets()), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="endoveil API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )
