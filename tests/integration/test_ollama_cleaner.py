"""Level 1 health check against a fake Ollama over real HTTP, and the fake itself."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest

from adapters.cleaning.classify import Answer, Patient  # the schema production asks for
from adapters.cleaning.cleaner import OllamaFrameCleaner, base_url, public_host
from adapters.cleaning.ollama_http import explain as _explain
from domain.ports import LevelResult
from tests.fake_ollama import CHAT_SCHEMA, DEFAULT_MODEL, FakeOllama

# The fixture, imported explicitly; the redundant alias marks it as a deliberate re-export,
# which keeps ruff from reading the test parameters as redefinitions (F811).
from tests.fake_ollama import fake_ollama as fake_ollama

READ_TIMEOUT = 0.5


def run_check(host: str, tmp_path: Path, **kwargs: Any) -> LevelResult:
    # The source does not exist: the health check must never open the video.
    source, target = tmp_path / "absent.mp4", tmp_path / "out.mp4"
    cleaner = OllamaFrameCleaner(host, read_timeout=READ_TIMEOUT, **kwargs)
    result = cleaner.clean("vid-1", str(source), str(target))
    assert not result.succeeded
    assert result.output is None
    assert not target.exists()
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- the cleaner, one test per fake mode -------------------------------------------------


def test_down_is_unavailable_and_fast(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "down"
    started = time.monotonic()
    result = run_check(fake_ollama.host, tmp_path)
    elapsed = time.monotonic() - started
    assert result.reason == "ollama_unavailable"
    assert elapsed < 2.0, elapsed


def test_nobody_listening_is_unavailable(tmp_path: Path) -> None:
    result = run_check(f"http://127.0.0.1:{free_port()}", tmp_path)
    assert result.reason == "ollama_unavailable"
    assert "ollama" not in result.versions  # the server never answered


def test_no_models(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "no_models"
    result = run_check(fake_ollama.host, tmp_path)
    assert result.reason == "no_models"
    assert result.versions["ollama"] == "0.6.0"


def test_model_missing(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "model_missing"
    result = run_check(fake_ollama.host, tmp_path)
    assert result.reason == "model_missing"
    assert DEFAULT_MODEL in result.detail


def test_hang_times_out_within_read_timeout(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "hang"
    started = time.monotonic()
    result = run_check(fake_ollama.host, tmp_path)
    elapsed = time.monotonic() - started
    assert result.reason == "ollama_timeout"
    assert elapsed < READ_TIMEOUT + 1.0, elapsed


def test_slow_beyond_read_timeout_times_out(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode, fake_ollama.delay = "slow", 2.0
    assert run_check(fake_ollama.host, tmp_path).reason == "ollama_timeout"


def test_slow_within_read_timeout_passes(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode, fake_ollama.delay = "slow", 0.05
    result = run_check(fake_ollama.host, tmp_path, ocr_engine="json")
    assert result.reason == "unreadable_video"  # healthy: the (absent) video is next


def test_http_500_is_an_error(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "http_500"
    result = run_check(fake_ollama.host, tmp_path)
    assert result.reason == "ollama_error"
    assert "500" in result.detail


def test_malformed_json_is_a_bad_answer(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    fake_ollama.mode = "malformed_json"
    assert run_check(fake_ollama.host, tmp_path).reason == "ollama_bad_answer"


def test_missing_ocr_engine(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_check(fake_ollama.host, tmp_path, ocr_engine="no_such_ocr_engine_xyz")
    assert result.reason == "ocr_engine_missing"
    result = run_check(fake_ollama.host, tmp_path, ocr_engine="no_such_pkg.sub")
    assert result.reason == "ocr_engine_missing"


def test_healthy_checks_then_opens_the_video(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    result = run_check(fake_ollama.host, tmp_path, ocr_engine="json")
    assert result.reason == "unreadable_video"
    assert result.versions == {
        "ollama_host": fake_ollama.host,
        "model": DEFAULT_MODEL,
        "ollama": "0.6.0",
    }
    assert fake_ollama.requests == [("GET", "/api/tags"), ("GET", "/api/version")]


def test_model_matches_with_and_without_latest_tag(tmp_path: Path) -> None:
    with FakeOllama(model="mistral:latest") as fake:
        assert run_check(fake.host, tmp_path, model="mistral", ocr_engine="json").reason == (
            "unreadable_video"
        )
    with FakeOllama(model="mistral") as fake:
        result = run_check(fake.host, tmp_path, model="mistral:latest", ocr_engine="json")
        assert result.reason == "unreadable_video"


@pytest.mark.parametrize("host", ["http://[::1", "http://127.0.0.1:notaport", "http://"])
def test_invalid_host_is_unavailable_not_an_exception(host: str, tmp_path: Path) -> None:
    result = run_check(host, tmp_path)
    assert result.reason == "ollama_unavailable"
    assert "valid URL" in result.detail


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectTimeout("connect timed out"), "ollama_unavailable"),
        (httpx.ReadTimeout("read timed out"), "ollama_timeout"),
        (httpx.RemoteProtocolError("peer closed"), "ollama_error"),
        (ConnectionError("refused"), "ollama_unavailable"),
    ],
)
def test_exceptions_the_network_cannot_stage_here_map_to_reasons(
    error: Exception, reason: str
) -> None:
    # An unroutable address would give a ConnectTimeout, but sandboxed networks answer
    # for it instead, so the mapping is checked directly.
    assert _explain(error).reason == reason


def test_versions_hide_credentials() -> None:
    assert public_host("http://user:secret@ollama.local:11434") == "http://ollama.local:11434"
    assert base_url("localhost") == "http://localhost:11434"
    assert base_url("https://ollama.example/") == "https://ollama.example"


def test_logs_carry_the_video_id_not_the_file_name(
    fake_ollama: FakeOllama, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="adapters.cleaning.cleaner")
    fake_ollama.mode = "no_models"
    run_check(fake_ollama.host, tmp_path)
    assert "vid-1" in caplog.text
    assert "absent.mp4" not in caplog.text


# --- the fake itself ------------------------------------------------------------------------


FRAME_TEXT = "Mustermann, Erika\n12.08.1964\n03.02.2025 14:31\nCV-190 EVIS\nIntervention 2"
MESSAGES = [
    {"role": "system", "content": "Classify each line."},
    {"role": "user", "content": FRAME_TEXT},
]


def test_fake_chat_answers_schema_valid_json(fake_ollama: FakeOllama) -> None:
    with ollama.Client(host=fake_ollama.host) as client:
        reply = client.chat(
            DEFAULT_MODEL, messages=MESSAGES, format=CHAT_SCHEMA, options={"temperature": 0}
        )
    answer = Answer.model_validate_json(reply.message.content or "")
    assert [line.category for line in answer.lines] == [
        "patient_name",
        "birth_date",
        "exam_datetime",
        "device_info",
        "other",
    ]
    assert answer.patient == Patient(
        first_name="Erika",
        last_name="Mustermann",
        birth_date="12.08.1964",
        exam_date="03.02.2025",
        device="CV-190 EVIS",
    )
    body = fake_ollama.chat_bodies[-1]
    assert body["format"] == CHAT_SCHEMA
    assert body["options"] == {"temperature": 0}


def test_fake_chat_streams_ndjson(fake_ollama: FakeOllama) -> None:
    with ollama.Client(host=fake_ollama.host) as client:
        parts = list(client.chat(DEFAULT_MODEL, messages=MESSAGES, format=CHAT_SCHEMA, stream=True))
    assert len(parts) > 2
    assert [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    content = "".join(p.message.content or "" for p in parts)
    assert Answer.model_validate_json(content).patient.last_name == "Mustermann"


def test_fake_chat_bad_schema_is_json_breaking_the_schema(fake_ollama: FakeOllama) -> None:
    fake_ollama.mode = "bad_schema"
    with ollama.Client(host=fake_ollama.host) as client:
        reply = client.chat(DEFAULT_MODEL, messages=MESSAGES, format=CHAT_SCHEMA)
    content = reply.message.content or ""
    json.loads(content)  # valid JSON...
    with pytest.raises(ValueError):  # ...but not the promised shape
        Answer.model_validate_json(content)


def test_fake_chat_unknown_model_is_404(fake_ollama: FakeOllama) -> None:
    with ollama.Client(host=fake_ollama.host) as client, pytest.raises(ollama.ResponseError) as err:
        client.chat("nope:1b", messages=MESSAGES)
    assert err.value.status_code == 404


def test_fake_records_requests_and_lists_models(fake_ollama: FakeOllama) -> None:
    with ollama.Client(host=fake_ollama.host) as client:
        assert [m.model for m in client.list().models] == [DEFAULT_MODEL]
        client.list()
    with httpx.Client(base_url=fake_ollama.host) as http:
        assert http.get("/api/version").json() == {"version": "0.6.0"}
        assert http.get("/api/tags").json()["models"][0]["name"] == DEFAULT_MODEL
    assert fake_ollama.requests.count(("GET", "/api/tags")) == 3
    assert fake_ollama.requests[2] == ("GET", "/api/version")


def test_fake_goes_down_and_comes_back_on_the_same_port(fake_ollama: FakeOllama) -> None:
    host = fake_ollama.host
    fake_ollama.mode = "down"
    with httpx.Client(base_url=host) as http:
        with pytest.raises(httpx.ConnectError):
            http.get("/api/version")
        fake_ollama.mode = "healthy"
        assert fake_ollama.host == host
        assert http.get("/api/version").status_code == 200


def test_fake_starting_down_refuses_connections(tmp_path: Path) -> None:
    with FakeOllama(mode="down") as fake:
        assert run_check(fake.host, tmp_path).reason == "ollama_unavailable"
        assert fake.requests == []


def test_fake_closes_quickly_while_a_request_hangs() -> None:
    before = threading.active_count()
    fake = FakeOllama(mode="hang").start()
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            with httpx.Client(base_url=fake.host, timeout=5.0) as http:
                http.get("/api/tags")
        except httpx.HTTPError as err:
            outcome.append(err)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 2.0
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    fake.close()
    closed_in = time.monotonic() - started
    caller.join(timeout=2.0)
    assert closed_in < 1.0, closed_in
    assert not caller.is_alive()
    assert outcome, "the hanging request should end with an error once the fake closes"
    assert threading.active_count() == before, threading.enumerate()


def test_fake_rejects_unknown_mode(fake_ollama: FakeOllama) -> None:
    with pytest.raises(ValueError):
        fake_ollama.mode = "sleepy"


def test_nobody_listening_is_answered_without_loading_the_client(tmp_path: Path) -> None:
    import subprocess
    import sys

    check = (
        "import sys\n"
        "from adapters.cleaning.cleaner import OllamaFrameCleaner\n"
        f"result = OllamaFrameCleaner('http://127.0.0.1:{free_port()}').clean("
        f"'vid-1', {str(tmp_path / 'absent.mp4')!r}, {str(tmp_path / 'out.mp4')!r})\n"
        "print(result.reason, sorted({'httpx', 'ollama'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split(maxsplit=1) == ["ollama_unavailable", "[]\n"]


def test_the_quick_connect_check_defers_to_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.cleaning.ollama_http import unreachable

    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert unreachable(f"http://127.0.0.1:{free_port()}", 1.0)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert not unreachable(f"http://127.0.0.1:{listening.getsockname()[1]}", 1.0)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")  # the client goes by the proxy
    assert not unreachable(f"http://127.0.0.1:{free_port()}", 1.0)
