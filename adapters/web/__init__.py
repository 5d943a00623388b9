"""The HTTP service: the JSON API, the web page and the Prometheus metrics (``endoveil serve``)."""

from __future__ import annotations

from adapters.web.app import create_app

__all__ = ["create_app"]
