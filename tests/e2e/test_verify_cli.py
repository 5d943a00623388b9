"""``endoveil verify VIDEO_ID``: a published output is re-checked from the file alone."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import endoveil
from tests.layouts import FAMILIES, make_recording

pytestmark = pytest.mark.slow


def test_verify_passes_a_published_output_and_fails_one_with_text(tmp_path: Path) -> None:
    source = make_video(tmp_path / "in.mp4", circle_layout(640, 360), seconds=1.0, seed=31)
    data = tmp_path / "data"
    [imported] = endoveil(data, "import", str(source.path), "--json").json_lines()
    assert imported["level"] == "fallback_basic", imported
    video_id = imported["video_id"]

    passed = endoveil(data, "verify", video_id, "--json")

    assert passed.code == 0, passed.err
    report = json.loads(passed.out)
    assert report["passed"] is True and report["keyframes"] >= 2
    assert report["inside_keyframes_read"] >= 1 and report["problem"] is None
    assert report["segments"] == 1

    shutil.copyfile(source.path, Path(imported["output"]))  # the text is back in the file
    failed = endoveil(data, "verify", video_id)

    assert failed.code == 1
    assert f"{video_id}: FAILED" in failed.out and "Mustermann" not in failed.out


def test_verify_checks_each_image_of_an_output_whose_image_changes(tmp_path: Path) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["shrink"], seed=6)
    data = tmp_path / "data"
    [imported] = endoveil(data, "import", str(recording.path), "--json").json_lines()
    assert imported["level"] == "fallback_basic", imported
    video_id = imported["video_id"]

    as_json = endoveil(data, "verify", video_id, "--json")
    as_text = endoveil(data, "verify", video_id)

    assert as_json.code == 0 == as_text.code, as_json.out
    assert json.loads(as_json.out)["segments"] == 2
    assert f"{video_id}: passed (" in as_text.out and "outside the image of 2 images" in as_text.out


def test_verify_an_unknown_id_is_a_one_line_error(tmp_path: Path) -> None:
    run = endoveil(tmp_path, "verify", str(uuid.uuid4()))

    assert run.code == 1 and len(run.err.strip().splitlines()) == 1
    assert "Traceback" not in run.err
