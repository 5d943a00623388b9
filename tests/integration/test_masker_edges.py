"""Level 2 at its edges: odd sizes, progress, interrupted runs, failing verification."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope.activity import measure_activity
from adapters.endoscope.profiles import Profile, rectangle
from adapters.endoscope.region import profile_region
from adapters.masking.masker import OpenCVMasker
from adapters.masking.verify import VerificationFailed, verify_output
from adapters.video.ffmpeg import H264Writer, ffmpeg_exe
from adapters.video.ocr import RapidOcr
from adapters.video.opencv_frames import read_info
from tests.integration.test_masker import BLACK, MIN_PSNR_DB, decoded_frames

ROOT = Path(__file__).resolve().parents[2]


def crop_to_odd(source: Path, target: Path, width: int, height: int) -> None:
    """Re-encode ``source`` cropped to an odd size (yuv444p holds odd sizes)."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(source),
         "-vf", f"format=yuv444p,crop={width}:{height}:0:0",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv444p", str(target)],
        check=True,
    )  # fmt: skip


@pytest.mark.slow
def test_an_odd_sized_1919x1079_video_is_padded_by_one_black_pixel(tmp_path: Path) -> None:
    even = make_video(tmp_path / "even.mp4", "left_circle", seconds=0.6, seed=10)
    odd = tmp_path / "odd.mp4"
    crop_to_odd(even.path, odd, 1919, 1079)

    result = OpenCVMasker().mask("video-4", str(odd), str(tmp_path / "out.mp4"))

    assert result.succeeded, result
    assert result.versions["geometry"] == "pad 1919x1079 to 1920x1080 (yuv420p)"
    inside = cv2.erode(even.image_mask[:1079, :1919], np.ones((17, 17), np.uint8)) > 0
    errors = []
    outputs = decoded_frames(tmp_path / "out.mp4")
    for before, after in zip(decoded_frames(odd), outputs, strict=True):
        assert after.shape == (1080, 1920, 3)
        assert after[1079:].max() <= BLACK and after[:, 1919:].max() <= BLACK  # the padding
        for x, y, w, h in even.text_boxes:
            assert after[y : y + h, x : x + w].max() <= BLACK
        diff = before[inside].astype(np.float64) - after[:1079, :1919][inside]
        errors.append(float(np.mean(diff * diff)))
    assert 10 * np.log10(255.0**2 / np.mean(errors)) >= MIN_PSNR_DB


def test_progress_is_reported_up_to_the_last_frame(tmp_path: Path) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=1.0, seed=13)
    calls: list[tuple[str, int, int]] = []

    result = OpenCVMasker(on_progress=lambda *call: calls.append(call)).mask(
        "video-5", str(source.path), str(tmp_path / "out.mp4")
    )

    assert result.succeeded, result
    assert calls and calls[-1] == ("video-5", source.frames, source.frames)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(calls))


@pytest.mark.slow
def test_dim_text_left_outside_fails_verification_by_ocr(tmp_path: Path) -> None:
    """Text at level 14 passes the brightness check (16); only the OCR catches it."""
    profile = Profile("test-small", 1, 480, 272, rectangle(240, 0, 240, 272))
    output = tmp_path / "leaky.mp4"
    with H264Writer(output, profile.width, profile.height, 25.0, "yuv420p") as writer:
        for _ in range(3):
            frame = np.zeros((profile.height, profile.width, 3), np.uint8)
            cv2.putText(frame, "Mustermann", (10, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                        (14, 14, 14), 2)  # fmt: skip
            writer.write(frame)

    with pytest.raises(VerificationFailed, match=r"OCR reads \d+ line"):
        verify_output(str(output), profile_region(profile), read_info(str(output)), 3, RapidOcr())


def test_a_failed_verification_is_recorded_and_leaves_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=1.0, seed=14)

    def failing(*_: object) -> None:
        raise VerificationFailed("OCR reads 1 line(s) of text outside the endoscope image.")

    # The masker imports verify_output when it masks, so the stand-in goes where it is defined.
    monkeypatch.setattr("adapters.masking.verify.verify_output", failing)
    result = OpenCVMasker().mask("video-6", str(source.path), str(tmp_path / "out.mp4"))

    assert (result.succeeded, result.reason, result.verification) == (
        False, "verification_failed", "failed",
    )  # fmt: skip
    assert result.versions["verification_ocr"].startswith("rapidocr")
    assert not list(tmp_path.glob("*out.mp4*"))


_INTERRUPTED_RUN = """
import signal
import sys
# A shell without job control starts background jobs with SIGINT ignored, and Python keeps an
# ignored SIGINT: restore Ctrl-C's usual meaning so the test does not depend on its launcher.
signal.signal(signal.SIGINT, signal.default_int_handler)
from adapters.masking.masker import OpenCVMasker
def started(video_id, done, total):
    print("started", flush=True)
OpenCVMasker(on_progress=started).mask("video-7", sys.argv[1], sys.argv[2])
print("finished", flush=True)
"""


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_run_kills_ffmpeg_and_leaves_nothing(tmp_path: Path, signum: int) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(480, 360), seconds=16.0, seed=15)
    target = tmp_path / "out" / "video.mp4"
    run = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_RUN, str(source.path), str(target)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert run.stdout is not None
    assert run.stdout.readline().strip() == "started"
    encoders = children_of(run.pid)
    assert encoders  # ffmpeg is running

    os.kill(run.pid, signum)
    run.wait(timeout=30)
    run.stdout.close()

    assert run.returncode != 0
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in encoders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in encoders if Path(f"/proc/{pid}").exists()]
    assert not target.exists()
    assert not list((tmp_path / "out").glob("*"))


def test_a_clip_shorter_than_the_sampled_head_is_measured_on_every_frame(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "short.mp4", circle_layout(320, 240), seconds=0.6, seed=505)
    info = read_info(str(clip.path))
    assert measure_activity(str(clip.path), info).count == info.frames == 15


def test_a_full_range_mjpeg_capture_is_masked_black_not_grey(tmp_path: Path) -> None:
    """Capture boxes write MJPEG in full range (yuvj420p): its outside must come out black."""
    clip = make_video(tmp_path / "limited.mp4", circle_layout(480, 270), seconds=1.2, seed=12)
    mjpeg = tmp_path / "capture.avi"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(clip.path), "-c:v", "mjpeg",
                    "-pix_fmt", "yuvj420p", "-q:v", "3", str(mjpeg)], check=True)  # fmt: skip

    result = OpenCVMasker().mask("video-5", str(mjpeg), str(tmp_path / "out.mp4"))

    assert result.succeeded, result
    outside = cv2.dilate(clip.image_mask, np.ones((17, 17), np.uint8)) == 0  # the rim is kept
    for frame in decoded_frames(tmp_path / "out.mp4"):
        assert frame[outside].max() <= BLACK
