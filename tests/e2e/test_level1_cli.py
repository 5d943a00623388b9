"""Level 1 through the real command: the circuit in ``status``/``circuit``, then ``reprocess``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.demo.synthetic import Layout, make_video
from tests.e2e.cli import endoveil
from tests.fake_ollama import FakeOllama
from tests.fake_ollama import fake_ollama as fake_ollama

pytestmark = pytest.mark.slow
SMALL = Layout("small", 640, 360, (260, 0, 380, 360), False, ((0, 250),))


def test_degraded_import_is_reprocessed_when_ollama_returns(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    source = make_video(tmp_path / "Mustermann.mp4", SMALL, seconds=1.0, fps=10, seed=5).path
    data = tmp_path / "data"
    strict = {"ENDOVEIL_CIRCUIT_THRESHOLD": "1", "ENDOVEIL_CIRCUIT_COOLDOWN": "3600"}
    [imported] = endoveil(data, "import", str(source), "--json", env=strict).json_lines()
    degraded = imported["level"]
    assert degraded in ("fallback_basic", "raw_copied")  # whatever level 2 made of it
    video_id = imported["video_id"]

    status = endoveil(data, "status", env=strict)
    assert status.out.splitlines()[0].startswith("Ollama circuit: OPEN, level 1 skipped for")
    assert "last: Ollama could not be reached" in status.out.splitlines()[0]
    circuit = json.loads(endoveil(data, "circuit", "--json", env=strict).out)
    assert (circuit["state"], circuit["consecutive_failures"]) == ("open", 1)
    assert circuit["last_reason"] == "ollama_unavailable"

    fake_ollama.mode, fake_ollama.delay = "slow", 0.2  # slow, but within the read timeout
    healthy = {"OLLAMA_HOST": fake_ollama.host, "ENDOVEIL_OLLAMA_READ_TIMEOUT": "5"}
    skipped = endoveil(data, "reprocess", "--degraded", "--json", env={**strict, **healthy})
    assert skipped.code == 0, skipped.err
    [row] = skipped.json_lines()
    assert (row["level"], row["reason"]) == (degraded, "ollama_circuit_open")
    assert fake_ollama.requests == []  # the open circuit did not even ask

    probe = {**healthy, "ENDOVEIL_CIRCUIT_COOLDOWN": "0"}
    done = endoveil(data, "reprocess", video_id, "--json", env=probe)
    assert done.code == 0, done.err
    [row] = done.json_lines()
    assert (row["level"], row["anonymized"], row["reason"]) == (
        "frame_cleaning",
        True,
        "frame_cleaned",
    )
    one = json.loads(endoveil(data, "status", video_id, "--json").out)
    assert (one["badge"], one["level"], one["verification"]) == (
        "Anonymized",
        "frame_cleaning",
        "passed",
    )
    assert one["reprocessed"] == 2  # the history keeps every run
    assert json.loads((data / "circuit.json").read_text())["failures"] == 0  # closed again
    everything = status.out + skipped.out + done.out + json.dumps(one)
    everything += (data / "logs" / "endoveil.log").read_text()
    assert "Mustermann" not in everything and "Erika" not in everything
