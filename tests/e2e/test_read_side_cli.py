"""``status``, ``metrics``, ``report``, ``audit`` and ``replay`` through the real command."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import endoveil

pytestmark = pytest.mark.slow
FAKE_NAME = "Mustermann"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A data dir with one anonymized, one raw and one failed import (Ollama down)."""
    folder = tmp_path_factory.mktemp("read_side")
    layout = circle_layout(640, 360, name="small")
    good = make_video(folder / f"{FAKE_NAME} good.mp4", layout, seconds=1.0, seed=7).path
    frozen = make_video(
        folder / f"{FAKE_NAME} frozen.mp4", "full_frame", seconds=1.0, static=True
    ).path
    junk = folder / f"{FAKE_NAME} junk.mp4"
    junk.write_bytes(b"no video here" * 10)
    data = folder / "data"
    run = endoveil(data, "import", str(good), str(frozen), str(junk), "--json")
    ids = [line["video_id"] for line in run.json_lines()]
    return data, dict(zip(("good", "raw", "failed"), ids, strict=True))


def test_status_reads_the_view(imported: tuple[Path, dict[str, str]]) -> None:
    data, ids = imported
    rows = json.loads(endoveil(data, "status", "--json").out)
    assert {r["video_id"]: r["badge"] for r in rows} == {
        ids["good"]: "Anonymized",
        ids["raw"]: "Raw (Not Anonymized)",
        ids["failed"]: "Import failed",
    }


def test_metrics_json_has_the_three_rates(imported: tuple[Path, dict[str, str]]) -> None:
    data, _ = imported
    run = endoveil(data, "metrics", "--json")
    assert run.code == 0, run.err
    everything = json.loads(run.out)["all_time"]
    assert everything["imports"] == 3
    assert everything["anonymization_success"]["count"] == 1
    assert everything["import_failure"]["status"] == "critical"
    assert "ANONYMIZATION" not in run.out
    assert "CRITICAL" in endoveil(data, "metrics").out


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_report_in_every_format_holds_no_patient_data(
    imported: tuple[Path, dict[str, str]], fmt: str
) -> None:
    data, ids = imported
    today = datetime.now(UTC).date().isoformat()
    run = endoveil(data, "report", "--from", today, "--to", today, "--format", fmt)
    assert run.code == 0, run.err
    assert all(video_id in run.out for video_id in ids.values())
    assert FAKE_NAME not in run.out


def test_report_refuses_bad_dates_in_one_line(imported: tuple[Path, dict[str, str]]) -> None:
    data, _ = imported
    for args in (
        ("--from", "yesterday", "--to", "2026-01-01"),
        ("--from", "2026-02-01", "--to", "2026-01-01"),
    ):
        run = endoveil(data, "report", *args)
        assert run.code == 2 and len(run.err.splitlines()) == 1 and "Traceback" not in run.err


def test_audit_answers_why_not_anonymized_first(imported: tuple[Path, dict[str, str]]) -> None:
    data, ids = imported
    run = endoveil(data, "audit", ids["raw"])
    first = run.out.splitlines()[0]
    assert "NOT anonymized" in first and "Ollama could not be reached" in first
    assert "the endoscope image could not be located" in first
    assert "Events:" in run.out
    as_json = json.loads(endoveil(data, "audit", ids["raw"], "--json").out)
    codes = [event["reason"] for event in as_json["events"]]
    assert "ollama_unavailable" in codes and "roi_uncertain" in codes


def test_replay_rebuilds_equal_tables(imported: tuple[Path, dict[str, str]]) -> None:
    data, ids = imported
    run = endoveil(data, "replay")
    assert run.code == 0, run.out + run.err
    assert "video_status: 3 live rows, 3 rebuilt: equal" in run.out
    assert re.search(r"^step_durations: [1-9]\d* live rows, \d+ rebuilt: equal$", run.out, re.M)
    one = endoveil(data, "replay", ids["good"])
    assert one.code == 0 and "status view agrees" in one.out


def test_logs_and_database_hold_no_patient_data(imported: tuple[Path, dict[str, str]]) -> None:
    data, _ = imported
    assert FAKE_NAME not in (data / "logs" / "endoveil.log").read_text()
    assert FAKE_NAME.encode() not in (data / "events.sqlite").read_bytes()
    assert all(FAKE_NAME not in p.name for p in data.rglob("*"))
