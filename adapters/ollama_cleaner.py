"""Level 1 of the chain: frame cleaning with OCR and a local Ollama language model.

For now only the health check is real: is Ollama reachable, does it have the model, is the
OCR engine installed. The cleaning itself comes in a later issue, so a healthy setup still
ends in ``cleaning_not_implemented`` and the pipeline falls back. Expected failures never
raise; they come back as a failed ``LevelResult`` with a reason code.
"""

from __future__ import annotations

import importlib.util
import logging
from urllib.parse import urlsplit, urlunsplit

import httpx
import ollama

from domain.ports import LevelResult

DEFAULT_MODEL = "qwen2.5:1.5b-instruct"
DEFAULT_OCR_ENGINE = "rapidocr_onnxruntime"
_DEFAULT_PORT = 11434  # what the ollama client assumes when the host names no port
# Everything a network call to Ollama may raise for an expected reason. pydantic's
# ValidationError and json.JSONDecodeError are ValueErrors; ConnectionError is an OSError.
_EXPECTED = (httpx.HTTPError, httpx.InvalidURL, ollama.ResponseError, OSError, ValueError)

log = logging.getLogger(__name__)


class _Unhealthy(Exception):
    """The health check found a reason to fall back."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


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


def public_host(host: str) -> str:
    """``host`` without user name or password, fit for logs and events."""
    try:
        parts = urlsplit(base_url(host))
    except ValueError:
        return "invalid"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _canonical(model: str) -> str:
    """``qwen2.5`` and ``qwen2.5:latest`` name the same model."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def _explain(err: Exception) -> _Unhealthy:
    """Map a client exception to a reason code and a sentence without patient data."""
    if isinstance(err, httpx.ConnectTimeout | httpx.ConnectError | httpx.UnsupportedProtocol):
        return _Unhealthy("ollama_unavailable", "Ollama could not be reached.")
    if isinstance(err, httpx.InvalidURL):
        return _Unhealthy("ollama_unavailable", "The Ollama host is not a valid URL.")
    if isinstance(err, httpx.TimeoutException):
        return _Unhealthy("ollama_timeout", "Ollama accepted the connection but did not answer.")
    if isinstance(err, ollama.ResponseError):
        return _Unhealthy("ollama_error", f"Ollama answered with HTTP {err.status_code}.")
    if isinstance(err, httpx.HTTPError):
        return _Unhealthy("ollama_error", f"Ollama broke the HTTP exchange ({type(err).__name__}).")
    if isinstance(err, OSError):  # includes the ConnectionError the ollama client raises
        return _Unhealthy("ollama_unavailable", "Ollama could not be reached.")
    return _Unhealthy("ollama_bad_answer", "Ollama's answer was not the expected JSON.")


def _engine_installed(name: str) -> bool:
    """Whether module ``name`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a missing parent package, an empty name
        return False


class OllamaFrameCleaner:
    """``FrameCleaner`` backed by a local Ollama server and an OCR engine.

    Args:
        host: Ollama base URL, e.g. ``http://127.0.0.1:11434``.
        model: the language model that classifies OCR text.
        connect_timeout: seconds to wait for the TCP connection.
        read_timeout: seconds to wait for each answer; bounds a hanging server.
        ocr_engine: importable module name of the OCR engine.

    """

    def __init__(
        self,
        host: str,
        model: str = DEFAULT_MODEL,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        ocr_engine: str = DEFAULT_OCR_ENGINE,
    ) -> None:
        self._host = host
        self._model = model
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._ocr_engine = ocr_engine

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        """Check Ollama, the model and the OCR engine; say why level 1 cannot clean.

        ``source`` is not opened: every check here is about the environment, not the video.

        Args:
            video_id: the video, used in logs (file names never are).
            source: the original video (unused until cleaning is implemented).
            target: where the cleaned copy would go (unused until then).

        Returns:
            A failed ``LevelResult``: a health-check reason, or ``cleaning_not_implemented``.

        """
        versions = {"ollama_host": public_host(self._host), "model": self._model}
        try:
            url = self._valid_url()
            listed = self._list_models(url)
            versions["ollama"] = self._server_version(url)
            self._check_model(listed)
            if not _engine_installed(self._ocr_engine):
                raise _Unhealthy(
                    "ocr_engine_missing", f"The OCR engine {self._ocr_engine} is not installed."
                )
        except _Unhealthy as problem:
            log.info("video %s: level 1 cannot run: %s", video_id, problem.reason)
            return LevelResult.failed(problem.reason, problem.detail, versions)
        versions["ocr"] = self._ocr_engine
        log.info("video %s: level 1 healthy but cleaning is not implemented", video_id)
        return LevelResult.failed(
            "cleaning_not_implemented",
            "Frame cleaning is not available in this version; falling back.",
            versions,
        )

    def _valid_url(self) -> str:
        """The base URL, or ``_Unhealthy`` for a host setting that is no URL."""
        try:
            return base_url(self._host)
        except ValueError:
            raise _Unhealthy(
                "ollama_unavailable", "The Ollama host setting is not a valid URL."
            ) from None

    def _list_models(self, url: str) -> set[str]:
        """Ask Ollama for its models, as canonical ``name:tag``; ``_Unhealthy`` if it won't say."""
        try:
            with ollama.Client(host=url, timeout=self._timeout) as client:
                listed = client.list().models
        except _EXPECTED as err:
            raise _explain(err) from err
        return {_canonical(entry.model) for entry in listed if entry.model}

    def _check_model(self, listed: set[str]) -> None:
        """Raise ``_Unhealthy`` unless the configured model is among ``listed``."""
        if not listed:
            raise _Unhealthy("no_models", "Ollama has no models installed.")
        if _canonical(self._model) not in listed:
            raise _Unhealthy("model_missing", f"Ollama does not have the model {self._model}.")

    def _server_version(self, url: str) -> str:
        """Ask ``/api/version`` for Ollama's version; ``unknown`` if it will not say.

        The 0.6 ollama client has no call for it, hence plain httpx.
        """
        try:
            with httpx.Client(base_url=url, timeout=self._timeout) as http:
                answer = http.get("/api/version")
                answer.raise_for_status()
                version = answer.json().get("version")
        except (*_EXPECTED, AttributeError):
            return "unknown"
        return version if isinstance(version, str) else "unknown"
