"""Talking to Ollama safely: base URLs, public host names, and errors mapped to reasons."""

from __future__ import annotations

import os
import socket
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from domain.ports import LevelFailure
from domain.reasons import Reason

_DEFAULT_PORT = 11434  # what the ollama client assumes when the host names no port


@cache
def expected_errors() -> tuple[type[Exception], ...]:
    """Everything a network call to Ollama may raise for an expected reason.

    pydantic's ValidationError and json.JSONDecodeError are ValueErrors; ConnectionError is
    an OSError. A function rather than a constant so that importing this module (every CLI
    command builds level 1) does not load httpx and the ollama client.
    """
    import httpx
    import ollama

    return (httpx.HTTPError, httpx.InvalidURL, ollama.ResponseError, OSError, ValueError)


#: Reasons that mean Ollama itself failed; they count towards the circuit breaker. Not
#: ``cleaning_timeout``: the budget ran out in local work (OCR, encoding), not in Ollama.
OLLAMA_FAILURES = frozenset(
    {
        Reason.OLLAMA_UNAVAILABLE,
        Reason.NO_MODELS,
        Reason.MODEL_MISSING,
        Reason.OLLAMA_TIMEOUT,
        Reason.OLLAMA_ERROR,
        Reason.OLLAMA_BAD_ANSWER,
    }
)


def base_url(host: str) -> str:
    """``host`` as a full base URL, defaulting scheme and port the way the ollama client does.

    Raises:
        ValueError: ``host`` is no URL (no host name, a bad port, an unclosed IPv6 bracket).

    """
    url = host.strip() or "127.0.0.1"
    explicit = "://" in url
    parts = urlsplit(url if explicit else f"http://{url}")
    port = parts.port  # raises ValueError for a bad port
    if not parts.hostname:
        raise ValueError("the Ollama host names no server")
    netloc = parts.netloc if explicit or port else f"{parts.netloc}:{_DEFAULT_PORT}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


_PROXY_SETTINGS = ("http_proxy", "https_proxy", "all_proxy")


def unreachable(url: str, timeout_s: float) -> bool:
    """Whether a plain TCP connection to ``url``'s server fails, before any client is loaded.

    The common "Ollama is down" answer (nothing listening, no route, no such host) costs a
    connect here instead of the 0.3 to 0.8 s of importing httpx and the ollama client. False
    (ask the real client) when a proxy is configured, since then the client never connects
    to the server itself, or when the connection opens.
    """
    if any(os.environ.get(name) or os.environ.get(name.upper()) for name in _PROXY_SETTINGS):
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout_s).close()
    except OSError:  # refused, unreachable, timed out, unknown host
        return True
    return False


def public_host(host: str) -> str:
    """``host`` without user name or password, fit for logs and events."""
    try:
        parts = urlsplit(base_url(host))
    except ValueError:
        return "invalid"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def canonical(model: str) -> str:
    """``qwen2.5`` and ``qwen2.5:latest`` name the same model."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def explain(err: Exception) -> LevelFailure:
    """Map a client exception to a reason code and a sentence without patient data."""
    import httpx
    import ollama

    if isinstance(err, httpx.ConnectTimeout | httpx.ConnectError | httpx.UnsupportedProtocol):
        return LevelFailure(Reason.OLLAMA_UNAVAILABLE, "Ollama could not be reached.")
    if isinstance(err, httpx.InvalidURL):
        return LevelFailure(Reason.OLLAMA_UNAVAILABLE, "The Ollama host is not a valid URL.")
    if isinstance(err, httpx.TimeoutException):
        return LevelFailure(
            Reason.OLLAMA_TIMEOUT, "Ollama accepted the connection but did not answer."
        )
    if isinstance(err, ollama.ResponseError):
        return LevelFailure(Reason.OLLAMA_ERROR, f"Ollama answered with HTTP {err.status_code}.")
    if isinstance(err, httpx.HTTPError):
        return LevelFailure(
            Reason.OLLAMA_ERROR, f"Ollama broke the HTTP exchange ({type(err).__name__})."
        )
    if isinstance(err, OSError):  # includes the ConnectionError the ollama client raises
        return LevelFailure(Reason.OLLAMA_UNAVAILABLE, "Ollama could not be reached.")
    return LevelFailure(Reason.OLLAMA_BAD_ANSWER, "Ollama's answer was not the expected JSON.")
