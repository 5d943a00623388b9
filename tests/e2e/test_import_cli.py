"""``endoveil import`` end to end: the three scenarios of the original bug report, re-import,
and every kind of bad input, through the real command, real SQLite, ffmpeg and OpenCV."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from domain.pipeline import RAW_COPY_LOG
from tests.e2e.cli import endoveil
from tests.fake_ollama import FakeOllama

pytestmark = pytest.mark.slow
FAKE_NAME = "Mustermann"
SMALL = circle_layout(640, 360, name="small_circle")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inbox")
    made = {
        "olympus": make_video(folder / f"{FAKE_NAME}, Erika.mp4", "olympus", seconds=1.0),
        "small": make_video(folder / "small.mp4", SMALL, seconds=1.0, seed=3),
        "frozen": make_video(folder / "frozen.mp4", "full_frame", seconds=1.0, seed=4, static=True),
    }
    return {name: video.path for name, video in made.items()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ollama_stopped_falls_back_to_basic_masking(
    tmp_path: Path, videos: dict[str, Path]
) -> None:
    source = videos["olympus"]
    before = _sha(source)
    run = endoveil(tmp_path, "import", str(source), "--json")
    assert run.code == 0, run.err
    [result] = run.json_lines()
    assert result["state"] == "archived" and result["anonymized"] is True
    assert (result["level"], result["reason"]) == ("fallback_basic", "masked")
    output = Path(result["output"])
    assert output == tmp_path / "anonymized" / f"{result['video_id']}.mp4"
    capture = cv2.VideoCapture(str(output))
    ok, frame = capture.read()
    capture.release()
    assert ok and frame[:, :550].max() <= 16  # the text strip of the Olympus layout is black
    audit = endoveil(tmp_path, "audit", result["video_id"])
    assert "Ollama could not be reached." in audit.out and "profile:olympus" in audit.out
    audit_json = json.loads(endoveil(tmp_path, "audit", result["video_id"], "--json").out)
    assert "ollama_unavailable" in [event["reason"] for event in audit_json["events"]]
    status = endoveil(tmp_path, "status", result["video_id"], "--json")
    assert '"badge": "Anonymized"' in status.out
    assert _sha(source) == before
    log = (tmp_path / "logs" / "endoveil.log").read_text()
    assert result["video_id"] in log and FAKE_NAME not in log


def test_level_one_engine_missing_falls_back(
    tmp_path: Path, videos: dict[str, Path], fake_ollama: FakeOllama
) -> None:
    env = {"OLLAMA_HOST": fake_ollama.host, "ENDOVEIL_OCR_ENGINE": "no_such_ocr_engine"}
    run = endoveil(tmp_path, "import", str(videos["small"]), "--json", env=env)
    assert run.code == 0, run.err
    [result] = run.json_lines()
    assert (result["state"], result["level"], result["anonymized"]) == (
        "archived",
        "fallback_basic",
        True,
    )
    audit = endoveil(tmp_path, "audit", result["video_id"], "--json")
    assert '"reason": "ocr_engine_missing"' in audit.out
    assert ("GET", "/api/tags") in fake_ollama.requests


def test_both_levels_failing_keeps_a_quarantined_raw_copy(
    tmp_path: Path, videos: dict[str, Path]
) -> None:
    source = videos["frozen"]
    run = endoveil(tmp_path, "import", str(source), "--json")
    assert run.code == 0, run.err  # imported, degraded: not a failure
    [result] = run.json_lines()
    assert (result["state"], result["level"], result["anonymized"], result["output"]) == (
        "archived",
        "raw_copied",
        False,
        None,
    )
    video_id = result["video_id"]
    quarantined = tmp_path / "quarantine" / f"{video_id}.NOT-ANONYMIZED.mp4"
    assert _sha(quarantined) == _sha(source)
    assert not (tmp_path / "anonymized" / f"{video_id}.mp4").exists()
    status = endoveil(tmp_path, "status")
    assert "Raw (Not Anonymized)" in status.out
    assert (
        "because Ollama could not be reached and the endoscope image could not be located "
        "with certainty. Please review before sharing."
    ) in status.out
    as_json = json.loads(endoveil(tmp_path, "status", video_id, "--json").out)
    assert [a["reason"] for a in as_json["fallbacks"]] == ["ollama_unavailable", "roi_uncertain"]
    assert f"{RAW_COPY_LOG}: video {video_id}" in (tmp_path / "logs" / "endoveil.log").read_text()


def test_importing_the_same_bytes_twice_finds_the_first_video(
    tmp_path: Path, videos: dict[str, Path]
) -> None:
    copy = tmp_path / "copy of small.mp4"
    copy.write_bytes(videos["small"].read_bytes())
    first = endoveil(tmp_path, "import", str(videos["small"]), "--json").json_lines()[0]
    second = endoveil(tmp_path, "import", str(copy), "--json").json_lines()[0]
    assert first["video_id"] == second["video_id"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    audit = endoveil(tmp_path, "audit", first["video_id"], "--json")
    assert audit.out.count('"event": "Registered"') == 1
    assert audit.out.count('"event": "Archived"') == 1
    assert len(list((tmp_path / "raw").iterdir())) == 1


def _truncated(folder: Path, videos: dict[str, Path]) -> Path:
    content = videos["small"].read_bytes()
    path = folder / "truncated.mp4"
    path.write_bytes(content[: len(content) // 2])
    return path


#: case: (make the input in a folder, expected reason, whether a video record exists)
BAD_INPUTS: dict[str, tuple[Callable[[Path, dict[str, Path]], Path], str | None, bool]] = {
    "zero bytes": (lambda folder, _: _write(folder / "empty.mp4", b""), "empty_file", True),
    "not a video": (
        lambda folder, _: _write(folder / "notes.mp4", b"patient notes, not a video\n" * 50),
        "not_a_video",
        True,
    ),
    "truncated": (_truncated, None, True),
    "missing path": (lambda folder, _: folder / "no such file.mp4", "missing_file", False),
    "directory": (lambda folder, _: _mkdir(folder / "a folder.mp4"), "is_directory", False),
}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_one_line_and_a_recorded_reason(
    case: str, tmp_path: Path, videos: dict[str, Path]
) -> None:
    make, reason, has_record = BAD_INPUTS[case]
    folder = tmp_path / "in"
    folder.mkdir()
    source = make(folder, videos)
    before = _sha(source) if source.is_file() else None
    run = endoveil(tmp_path / "data", "import", str(source), "--json")
    assert run.code == 1
    assert "Traceback" not in run.err
    [line] = run.err.splitlines()
    assert line.startswith(f"endoveil: {source}: ")
    [result] = run.json_lines()
    assert result["anonymized"] is False and result["output"] is None
    if reason:
        assert result["reason"] == reason and f"({reason})" in line
    else:
        assert result["reason"] in ("truncated_video", "not_a_video")
    if has_record:
        assert result["state"] == "failed"
        status = endoveil(tmp_path / "data", "status", result["video_id"], "--json")
        assert '"badge": "Import failed"' in status.out
    else:
        assert result["video_id"] is None and result["state"] is None
    if before is not None:
        assert _sha(source) == before


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, videos: dict[str, Path]) -> None:
    missing = tmp_path / "gone.mp4"
    run = endoveil(tmp_path / "data", "import", str(missing), str(videos["small"]), "--json")
    assert run.code == 1
    assert [r["state"] for r in run.json_lines()] == [None, "archived"]


def test_unknown_video_id_is_a_one_line_error(tmp_path: Path) -> None:
    for args in (("audit", "not-an-id"), ("status", "0d70a771-ee33-5c13-b8bc-cede0aaaceb5")):
        run = endoveil(tmp_path, *args)
        assert run.code != 0
        assert len(run.err.splitlines()) == 1 and "Traceback" not in run.err
