"""Hostile and odd input through ``endoveil import`` (issue #8): each file is anonymized
correctly, kept as a raw copy, or refused with a one-line error and a recorded reason that
``endoveil audit`` shows; never a traceback, never a changed input, never a leaked name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from adapters.cli.text import audit_lines, event_line
from adapters.demo.synthetic import make_video
from domain.reasons import sentence_of
from projections.audit import explain
from tests.e2e.cli import Run, closed_port, endoveil
from tests.e2e.hostile_inputs import CASES, REFUSED, SMALL
from tests.figures import record
from tests.robustness import (
    PLANTED_NAME,
    count_leaks,
    count_lost,
    offline_services,
    partials,
    sha256,
)

pytestmark = pytest.mark.slow
REFUSAL_REASONS = {
    "random bytes": {"not_a_video"},
    "text named mp4": {"not_a_video"},
    "huge y4m 100000": {"not_a_video", "unsupported_dimensions"},
    "huge y4m 10000": {"unsupported_dimensions"},
    "huge mp4 9000 wide": {"unsupported_dimensions"},
    "0 fps mp4": {"unsupported_frame_rate"},
}
WHITE = 180  # burned-in text is white; the synthetic tissue never has all channels this high


class Imported:
    """One ``endoveil import`` of every hostile file, and what it said about each."""

    def __init__(self, inbox: Path, data_dir: Path, run: Run, before: dict[str, str]) -> None:
        self.inbox, self.data_dir, self.run, self.before = inbox, data_dir, run, before
        self.results: dict[str, dict[str, Any]] = {r["file"]: r for r in run.json_lines()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "inbox"
    inbox.mkdir()
    base = make_video(root / f"{PLANTED_NAME} base.mp4", SMALL, 0.6, patient=f"{PLANTED_NAME}, E")
    names = {case: make(inbox, base.path).name for case, (_, make) in CASES.items()}
    before = {name: sha256(inbox / name) for name in names.values()}
    data_dir = root / "data"
    env = {**os.environ, "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env.pop("ENDOVEIL_CIPHER_KEY", None)
    command = [sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir)]
    done = subprocess.run(
        [*command, "import", "--json", "--", *names.values()],
        cwd=inbox, capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    record("trials", len(names))
    record("bad_inputs", len(names))
    result = Imported(inbox, data_dir, Run(done.returncode, done.stdout, done.stderr), before)
    result.results = {case: result.results[name] for case, name in names.items()}
    result.before = {case: before[name] for case, name in names.items()}
    return result


def test_one_import_of_every_hostile_file_prints_no_traceback(imported: Imported) -> None:
    run = imported.run
    assert "Traceback" not in run.err and "Traceback" not in run.out
    assert run.code == 1  # some files were refused
    failed = [r for r in imported.results.values() if r["state"] in (None, "failed")]
    assert len(run.err.splitlines()) == len(failed)
    for result in failed:
        assert f"endoveil: {result['file']}: {result['detail']} ({result['reason']})" in run.err
    assert partials(imported.data_dir) == []


@pytest.mark.parametrize("case", list(CASES))
def test_each_file_is_handled_and_kept(case: str, imported: Imported) -> None:
    result = imported.results[case]
    source = imported.inbox / result["file"]
    report_like = _Report(result)
    assert count_lost(source, imported.before[case], imported.data_dir, report_like) == 0  # type: ignore[arg-type]
    assert result["reason"] and result["detail"]
    if CASES[case][0] == REFUSED:
        assert (result["state"], result["output"]) == ("failed", None)
        assert result["reason"] in REFUSAL_REASONS[case]
    else:
        assert result["state"] in ("archived", "failed"), result
    if result["anonymized"]:
        _check_anonymized(source, Path(result["output"]))
    assert sentence_of(result["reason"]) in _audit(imported.data_dir, result["video_id"])
    assert result["reason"] in _audit_codes(imported.data_dir, result["video_id"])


def _audit_codes(data_dir: Path, video_id: str) -> list[str]:
    """The reason codes ``endoveil audit VIDEO_ID --json`` lists, built in-process."""
    events = list(offline_services(data_dir).library.history(UUID(video_id)))
    return [line["reason"] for line in audit_lines(events)]


def _audit(data_dir: Path, video_id: str) -> str:
    """What ``endoveil audit VIDEO_ID`` prints, built in-process (a CLI start costs seconds)."""
    events = list(offline_services(data_dir).library.history(UUID(video_id)))
    lines = [*explain(video_id, events), "", "Events:", *map(event_line, audit_lines(events))]
    return "\n".join(lines)


def test_the_audit_command_shows_the_recorded_reasons(imported: Imported) -> None:
    for case in ("huge y4m 10000", "rotation"):
        result = imported.results[case]
        audit = endoveil(imported.data_dir, "audit", result["video_id"])
        assert audit.code == 0 and "Traceback" not in audit.err
        assert sentence_of(result["reason"]) in audit.out
        assert audit.out.strip() == _audit(imported.data_dir, result["video_id"]).strip()


def test_no_name_leaks_into_logs_store_file_names_or_read_side_output(
    imported: Imported,
) -> None:
    data_dir = imported.data_dir
    outputs = [endoveil(data_dir, *args) for args in (
        ("status",), ("metrics", "--json"),
        ("report", "--from", "2000-01-01", "--to", "2100-01-01", "--format", "csv"),
    )]  # fmt: skip
    assert all(run.code == 0 and "Traceback" not in run.err for run in outputs)
    audits = [_audit(data_dir, r["video_id"]) for r in imported.results.values()]
    assert (data_dir / "logs" / "endoveil.log").stat().st_size > 0
    assert count_leaks(data_dir, *audits, *(run.out + run.err for run in outputs)) == 0


class _Report:
    """The few fields of an ``ImportReport`` that ``count_lost`` reads, from the JSON."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.video_id = result["video_id"]


def _decoded_frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _check_anonymized(source: Path, output: Path) -> None:
    """Every frame kept, no white (text) pixel left, no audio or rotation in the output."""
    original, masked = _decoded_frames(source), _decoded_frames(output)
    assert len(masked) == len(original) > 0
    assert max(int((f.min(axis=2) > WHITE).sum()) for f in original) > 0  # there was text
    assert max(int((f.min(axis=2) > WHITE).sum()) for f in masked) == 0
    assert masked[0].shape[:2] in {original[0].shape[:2], _even(original[0].shape[:2])}
    streams = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(output)],
        capture_output=True, text=True, check=False,
    ).stderr  # fmt: skip
    assert "Video:" in streams and "Audio:" not in streams
    assert "rotate" not in streams.lower() and "displaymatrix" not in streams.lower()


def _even(shape: tuple[int, ...]) -> tuple[int, int]:
    return shape[0] + shape[0] % 2, shape[1] + shape[1] % 2
