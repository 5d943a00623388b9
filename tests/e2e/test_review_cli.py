"""``review``, ``export`` and ``retention`` through the real command (Ollama down)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import endoveil

pytestmark = pytest.mark.slow
FAKE_NAME = "Mustermann"
REVIEW = {"ENDOVEIL_RELEASE_POLICY": "review"}


@pytest.fixture
def imported(tmp_path: Path) -> tuple[Path, str, str]:
    """A data dir with one masked (level 2) and one raw import, under the review policy."""
    layout = circle_layout(640, 360, name="small")
    good = make_video(tmp_path / f"{FAKE_NAME} good.mp4", layout, seconds=1.0, seed=7).path
    frozen = make_video(
        tmp_path / f"{FAKE_NAME} frozen.mp4", "full_frame", seconds=1.0, static=True
    )
    data = tmp_path / "data"
    run = endoveil(data, "import", str(good), str(frozen.path), "--json", env=REVIEW)
    good_id, raw_id = (line["video_id"] for line in run.json_lines())
    return data, good_id, raw_id


def test_review_then_export_names_the_reviewer(
    imported: tuple[Path, str, str], tmp_path: Path
) -> None:
    data, good, raw = imported
    queue = json.loads(endoveil(data, "review", "--json").out)
    assert [(r["video_id"], r["release"]) for r in queue] == [
        (raw, "quarantined"), (good, "awaiting_review")]  # fmt: skip
    refused = endoveil(data, "review", raw, "--approve", "--reason", "looks fine")
    assert refused.code == 1 and "not allowed" in refused.err and "Traceback" not in refused.err
    assert endoveil(data, "review", good, "--approve").code == 2  # no reason, no decision
    done = endoveil(data, "review", good, "--approve", "--reason", "all frames checked",
                    "--as", "dr-alice", "--json")  # fmt: skip
    assert json.loads(done.out)["release"] == "released", done.err
    out = tmp_path / "handover"
    first = endoveil(data, "export", "--to", str(out), "--json", "--as", "bob")
    assert first.code == 0, first.err
    assert sorted(p.name for p in out.iterdir()) == [f"{good}.mp4", "manifest.csv", "manifest.json"]
    again = json.loads(endoveil(data, "export", "--to", str(out), "--json").out)
    assert again["already_done"] and again["export_id"] == json.loads(first.out)["export_id"]
    audit = endoveil(data, "audit", good).out
    assert "Approved for release by dr-alice" in audit and "Exported by bob" in audit
    assert FAKE_NAME not in (out / "manifest.json").read_text() + audit


def test_retention_lists_then_erases_overdue_raw_files(imported: tuple[Path, str, str]) -> None:
    data, good, raw = imported
    kept = endoveil(data, "retention", env={"ENDOVEIL_RAW_RETENTION_DAYS": "30"})
    assert kept.code == 0 and "0 video(s) overdue" in kept.out
    due = {"ENDOVEIL_RAW_RETENTION_DAYS": "0.000001"}  # a tenth of a second
    listed = endoveil(data, "retention", "--json", env=due)
    assert {json.loads(line)["video_id"] for line in listed.out.splitlines()} == {good, raw}
    assert list((data / "quarantine").iterdir())  # listing erases nothing
    applied = endoveil(data, "retention", "--apply", env=due)
    assert applied.code == 0 and "2 video(s) erased" in applied.out
    assert not list((data / "quarantine").glob(f"{raw}.*"))
    assert not list((data / "raw").glob(f"{good}.*"))
    assert (data / "anonymized" / f"{good}.mp4").exists()  # the anonymized output stays
    assert "Erased at" in endoveil(data, "audit", raw).out
    assert "0 video(s)" in endoveil(data, "retention", env=due).out
