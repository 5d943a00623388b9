"""A fake Ollama server that speaks the real HTTP protocol, for integration tests.

``FakeOllama`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (OS-chosen port) in a daemon
thread and answers ``GET /api/tags``, ``GET /api/version`` and ``POST /api/chat`` (plain and
streamed NDJSON) like Ollama does. Its ``mode`` decides how it misbehaves:

``healthy``         lists ``model`` and classifies chat lines deterministically.
``no_models``       ``/api/tags`` lists nothing.
``model_missing``   ``/api/tags`` lists only ``OTHER_MODEL``.
``hang``            reads the request and never answers (released on ``close``).
``slow``            answers like ``healthy`` after ``delay`` seconds.
``http_500``        every endpoint answers 500 ``{"error": ...}``.
``malformed_json``  every endpoint answers 200 with the body ``{"models": [``.
``bad_schema``      like ``healthy``, but the chat content is JSON that breaks the schema.
``down``            the listening socket is closed: connections are refused. Setting any
                    other mode brings the server back up on the same port (``SO_REUSEADDR``;
                    if another process grabbed the port meanwhile, the setter raises OSError).

``chat_mode``, when set, overrides ``mode`` for ``/api/chat`` only (e.g. ``hang``: the
health check passes, then classification never answers).

``answer``, when set, replaces the deterministic "model": it gets the user message and returns
the chat content (any JSON that fits the schema, as a real Ollama with ``format`` may write).

``requests`` records ``(method, path)`` of every request received; ``chat_bodies`` the
parsed JSON bodies of ``/api/chat`` requests. ``close`` releases hanging handlers, closes
live connections and joins the handler threads, so it returns in well under a second.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest

DEFAULT_MODEL = "qwen2.5:1.5b-instruct"
OTHER_MODEL = "llama3.2:latest"
VERSION = "0.6.0"
MODES = frozenset(
    {
        "healthy",
        "no_models",
        "model_missing",
        "hang",
        "slow",
        "http_500",
        "malformed_json",
        "bad_schema",
        "down",
    }
)
_NULLABLE = {"type": ["string", "null"]}
CHAT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "category": {
                        "enum": [
                            "patient_name",
                            "birth_date",
                            "exam_datetime",
                            "device_info",
                            "other",
                        ]
                    },
                },
                "required": ["text", "category"],
            },
        },
        "patient": {
            "type": "object",
            "properties": {
                k: _NULLABLE
                for k in ("first_name", "last_name", "birth_date", "exam_date", "device")
            },
            "required": ["first_name", "last_name", "birth_date", "exam_date", "device"],
        },
    },
    "required": ["lines", "patient"],
}
# No word boundary after the year: OCR drops spaces ("14.10.202516:11:05").
_DATE = re.compile(r"(?<!\d)(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2})")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}")
_NAME = re.compile(r"^\s*([A-ZÄÖÜ][\w'-]+),\s*([A-ZÄÖÜ][\w'-]+)\s*$")
_DEVICE = re.compile(r"CV-|EVIS|olympus|pentax|fujinon|\b(GIF|CF|PCF)-", re.IGNORECASE)


def classify_lines(text: str) -> dict[str, Any]:
    """The deterministic "model": categorize each non-empty line of ``text``."""
    lines: list[dict[str, str]] = []
    patient: dict[str, str | None] = dict.fromkeys(CHAT_SCHEMA["properties"]["patient"]["required"])
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        date, name = _DATE.search(line), _NAME.match(line)
        if date and (_TIME.search(line) or "exam" in line.lower()):
            category, patient["exam_date"] = "exam_datetime", date.group(1)
        elif date:
            category, patient["birth_date"] = "birth_date", date.group(1)
        elif _DEVICE.search(line):
            category, patient["device"] = "device_info", line
        elif name:
            category, patient["last_name"], patient["first_name"] = "patient_name", *name.groups()
        else:
            category = "other"
        lines.append({"text": line, "category": category})
    return {"lines": lines, "patient": patient}


def _tag(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 986061892,
        "digest": "sha256:" + "0" * 64,
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "1.5B",
            "quantization_level": "Q4_K_M",
        },
    }


def _canonical(name: str) -> str:
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class _Server(ThreadingHTTPServer):
    # Handler threads are daemons (a stuck one never blocks interpreter exit), which the
    # stdlib does not join on close, so the server keeps and joins them itself.

    def __init__(self, port: int, fake: FakeOllama) -> None:
        self.fake = fake
        self.release = threading.Event()
        self._live: dict[socket.socket, threading.Thread] = {}
        self._live_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        handler = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._live_lock:
            self._live[request] = handler
        handler.start()

    def shutdown_request(self, request: Any) -> None:
        with self._live_lock:
            self._live.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client that went away is normal
            super().handle_error(request, client_address)

    def stop(self) -> None:
        """Release waiting handlers, cut live connections, close, join handler threads."""
        self.release.set()
        self.shutdown()
        self.thread.join()
        with self._live_lock:
            live = dict(self._live)
        for conn in live:
            with contextlib.suppress(OSError):  # already gone
                conn.shutdown(socket.SHUT_RDWR)
        for handler in live.values():
            handler.join(timeout=2.0)
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # for chunked streaming; every answer still closes

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._serve(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self._serve(body if isinstance(body, dict) else {})

    def _serve(self, body: dict[str, Any] | None) -> None:
        fake = self.server.fake
        fake.requests.append((self.command, self.path))
        mode = fake.mode
        if self.path == "/api/chat" and fake.chat_mode is not None:
            mode = fake.chat_mode
        if mode == "hang":
            self.server.release.wait()
            return
        if mode == "slow" and self.server.release.wait(fake.delay):
            return  # closing: drop the answer
        if mode == "http_500":
            return self._send(500, {"error": "fake ollama: internal server error"})
        if mode == "malformed_json":
            return self._send(200, b'{"models": [')
        if self.path == "/api/version" and self.command == "GET":
            return self._send(200, {"version": VERSION})
        if self.path == "/api/tags" and self.command == "GET":
            return self._send(200, {"models": [_tag(name) for name in fake.listed_models()]})
        if self.path == "/api/chat" and self.command == "POST" and body is not None:
            fake.chat_bodies.append(body)
            return self._chat(body)
        if self.path == "/" and self.command == "GET":
            return self._send(200, b"Ollama is running")
        self._send(404, b"404 page not found")

    def _chat(self, body: dict[str, Any]) -> None:
        fake, model = self.server.fake, str(body.get("model", ""))
        if _canonical(model) not in {_canonical(m) for m in fake.listed_models()}:
            return self._send(404, {"error": f'model "{model}" not found, try pulling it first'})
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        text = str(users[-1].get("content", "")) if users else ""
        answer = (fake.answer or classify_lines)(text) if users else {}
        if "bad_schema" in (fake.mode, fake.chat_mode):
            answer = {"lines": "not a list", "patient": 42}
        content = json.dumps(answer)
        head = {"model": model, "created_at": "2025-01-01T00:00:00Z"}
        done: dict[str, Any] = {
            **head,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
            "load_duration": 10,
            "prompt_eval_count": 10,
            "eval_count": 10,
            "eval_duration": 900,
        }
        if not body.get("stream", True):  # Ollama streams unless told otherwise
            return self._send(200, {**done, "message": {"role": "assistant", "content": content}})
        parts = [
            {
                **head,
                "message": {"role": "assistant", "content": content[i : i + 16]},
                "done": False,
            }
            for i in range(0, len(content), 16)
        ]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for part in [*parts, done]:
            line = json.dumps(part).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.write(b"0\r\n\r\n")

    def _send(self, status: int, payload: dict[str, Any] | bytes) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        json_like = not isinstance(payload, bytes) or data.startswith(b"{")
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if json_like else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class FakeOllama:
    """A fake Ollama on 127.0.0.1; use as a context manager or via the ``fake_ollama`` fixture.

    Attributes:
        model: the model the server has in ``healthy``, ``slow`` and ``bad_schema`` modes.
        delay: seconds ``slow`` mode waits before answering.
        requests: ``(method, path)`` of every request received, in order.
        chat_bodies: parsed JSON bodies of ``/api/chat`` requests (model, format, options...).
    """

    def __init__(self, mode: str = "healthy", model: str = DEFAULT_MODEL, delay: float = 1.0):
        self.model = model
        self.delay = delay
        self.requests: list[tuple[str, str]] = []
        self.chat_bodies: list[dict[str, Any]] = []
        self.chat_mode: str | None = None
        self.answer: Callable[[str], dict[str, Any]] | None = None
        self._mode = "healthy"
        self._server: _Server | None = None
        self._port = 0
        self._wanted = mode

    @property
    def host(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def mode(self) -> str:
        """How the server behaves now; setting ``down`` closes the port, others reopen it."""
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose from {sorted(MODES)}")
        self._mode = mode
        if mode == "down" and self._server is not None:
            self._server.stop()
            self._server = None
        elif mode != "down" and self._server is None and self._port:
            self._server = _Server(self._port, self)

    def listed_models(self) -> list[str]:
        """What ``/api/tags`` lists in the current mode."""
        return {"no_models": [], "model_missing": [OTHER_MODEL]}.get(self._mode, [self.model])

    def start(self) -> FakeOllama:
        """Bind a free port and serve (or, in ``down`` mode, keep the port closed)."""
        self._server = _Server(0, self)
        self._port = self._server.server_address[1]
        self.mode = self._wanted
        return self

    def close(self) -> None:
        """Stop serving; releases hanging handlers and joins all handler threads."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A started ``FakeOllama`` in ``healthy`` mode, closed after the test.

    Import it into ``tests/conftest.py`` (``from tests.fake_ollama import fake_ollama``) to make
    it available everywhere, or import it explicitly in a test module.
    """
    with FakeOllama() as fake:
        yield fake
