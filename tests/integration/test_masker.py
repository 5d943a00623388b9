"""Level 2 masking on generated videos: real OpenCV decode, real ffmpeg/libx264 encode."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pytest

from adapters.demo.synthetic import Layout, SyntheticVideo, circle_layout, make_video
from adapters.endoscope.region import DETECTION
from adapters.masking.masker import OpenCVMasker
from adapters.video.ffmpeg import EncoderError, H264Writer, ffmpeg_exe
from adapters.video.opencv_frames import iter_frames
from domain.ports import LevelResult
from tests.family_checks import frames_of as decoded_frames

BLACK = 16
MIN_PSNR_DB = 35.0


def ffmpeg_report(path: Path) -> str:
    """What ``ffmpeg -i`` says about a file (it exits 1 without an output: expected)."""
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    )
    return done.stderr


def mask(source: SyntheticVideo, out_dir: Path) -> tuple[LevelResult, Path]:
    target = out_dir / "anonymized" / "video.mp4"
    return OpenCVMasker().mask("video-1", str(source.path), str(target)), target


def assert_masked_well(source: SyntheticVideo, result: LevelResult, target: Path) -> None:
    """Same geometry and frame count, H.264 without audio, text black, picture kept."""
    assert result.succeeded, result
    assert result.reason == "masked"
    assert result.output == str(target) and target.is_file()
    assert not list(target.parent.glob(".*partial"))
    width, height = source.layout.width, source.layout.height
    capture = cv2.VideoCapture(str(target))
    assert capture.get(cv2.CAP_PROP_FRAME_WIDTH) == width
    assert capture.get(cv2.CAP_PROP_FRAME_HEIGHT) == height
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(source.fps)
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == source.frames
    capture.release()
    report = ffmpeg_report(target)
    assert "Video: h264" in report and "yuv420p" in report
    assert "Audio:" not in report

    inside = cv2.erode(source.image_mask, np.ones((17, 17), np.uint8)) > 0
    squared_error, pixels, count = 0.0, 0, 0
    pairs = zip(decoded_frames(source.path), decoded_frames(target), strict=True)
    for index, (before, after) in enumerate(pairs):
        count += 1
        for x, y, w, h in source.text_boxes:
            box = after[max(y, 0) : y + h, max(x, 0) : x + w]
            if source.late_box != (x, y, w, h) or index == source.frames - 1:
                assert before[max(y, 0) : y + h, max(x, 0) : x + w].max() > 200  # text was there
            assert box.max() <= BLACK, f"text box {(x, y, w, h)} not black in frame {index}"
        if index % 4 == 0 or index == source.frames - 1:
            diff = before[inside].astype(np.float64) - after[inside].astype(np.float64)
            squared_error += float(np.sum(diff * diff))
            pixels += diff.size
    assert count == source.frames
    psnr = 10 * np.log10(255.0**2 / (squared_error / pixels))
    assert psnr >= MIN_PSNR_DB


@pytest.mark.slow
def test_olympus_layout_uses_the_profile_and_blacks_the_text(tmp_path: Path) -> None:
    source = make_video(tmp_path / "olympus.mp4", "olympus", seconds=1.2, seed=1)

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == "profile:olympus-cv1500@1"
    assert {"ffmpeg", "opencv", "encoder", "verification_ocr"} <= result.versions.keys()
    assert result.verification == "passed"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "profile"),
    [("pentax", "profile:pentax-ept7000@1"), ("fujifilm", "profile:fujifilm-4450hd@1")],
)
def test_other_processor_layouts_match_their_profile(
    tmp_path: Path, layout: str, profile: str
) -> None:
    source = make_video(tmp_path / f"{layout}.mp4", layout, seconds=0.6, seed=11)

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == profile


@pytest.mark.slow
def test_an_unknown_rectangular_layout_anywhere_is_detected(tmp_path: Path) -> None:
    layout = Layout("rect_right", 800, 600, (300, 40, 460, 500), False, ((0, 280),))
    source = make_video(tmp_path / "rect.mp4", layout, seconds=1.0, seed=12)

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == DETECTION


@pytest.mark.slow
def test_unknown_centred_circle_with_text_on_both_sides_is_detected_metadata_dropped(
    tmp_path: Path,
) -> None:
    plain = make_video(tmp_path / "plain.mp4", "unknown_circle", seconds=1.0, seed=2)
    tagged = tmp_path / "Mustermann, Erika.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(plain.path), "-c", "copy",
         "-metadata", "title=Mustermann, Erika", "-metadata", "comment=geb. 12.03.1955",
         str(tagged)],
        check=True,
    )  # fmt: skip
    source = SyntheticVideo(
        tagged, plain.layout, plain.fps, plain.frames, plain.image_mask, plain.text_boxes, None
    )

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == DETECTION
    assert "Mustermann" not in ffmpeg_report(target) and "1955" not in ffmpeg_report(target)
    assert "Mustermann" not in result.detail


@pytest.mark.slow
def test_1080p_layout_other_than_olympus_does_not_use_the_profile(tmp_path: Path) -> None:
    source = make_video(tmp_path / "left.mp4", "left_circle", seconds=1.0, seed=3)

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == DETECTION


@pytest.mark.slow
def test_a_name_that_appears_after_a_few_seconds_is_black(tmp_path: Path) -> None:
    source = make_video(
        tmp_path / "late.mp4", circle_layout(960, 540), seconds=3.6, seed=4,
        late_text="Beispiel, Max", late_after=3.0,
    )  # fmt: skip
    assert source.late_box is not None
    x, y, w, h = source.late_box
    early = next(iter(decoded_frames(source.path)))
    assert early[y : y + h, x : x + w].max() <= BLACK  # not there in the first second

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)


def test_a_still_image_standing_out_from_the_surround_is_masked(tmp_path: Path) -> None:
    source = make_video(
        tmp_path / "static.mp4", circle_layout(640, 360), seconds=1.0, seed=5, static=True
    )

    result, target = mask(source, tmp_path)

    assert_masked_well(source, result, target)
    assert result.versions["masking_profile"] == DETECTION


def test_text_on_black_with_no_image_fails_with_roi_uncertain_and_no_output(
    tmp_path: Path,
) -> None:
    layout = Layout("text_only", 640, 360, (600, 340, 2, 2), False, ((0, 560),))
    source = make_video(tmp_path / "text.mp4", layout, seconds=1.0, seed=5, static=True)

    result, target = mask(source, tmp_path)

    assert not result.succeeded
    assert result.reason == "roi_uncertain"
    assert not target.exists()
    assert not list(tmp_path.rglob("*partial"))


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_video_fails_without_raising(tmp_path: Path, keep: float) -> None:
    source = make_video(tmp_path / "whole.mp4", circle_layout(640, 360), seconds=1.0, seed=6)
    data = source.path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])

    result = OpenCVMasker().mask("video-2", str(cut), str(tmp_path / "out.mp4"))

    assert not result.succeeded
    assert result.reason in {"truncated_video", "unreadable_video", "roi_uncertain"}
    assert not (tmp_path / "out.mp4").exists()
    assert not list(tmp_path.rglob("*partial"))


def test_garbage_is_an_unreadable_video(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(7).bytes(50_000))

    result = OpenCVMasker().mask("video-3", str(garbage), str(tmp_path / "out.mp4"))

    assert (result.succeeded, result.reason) == (False, "unreadable_video")


def test_odd_frame_sizes_are_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="odd frame size"):
        H264Writer(tmp_path / "odd.mp4", 1919, 1079, 25.0)
    assert not (tmp_path / "odd.mp4").exists()


def test_stopping_early_leaves_no_reader_thread(tmp_path: Path) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(640, 360), seconds=1.0, seed=8)

    frames = iter_frames(str(source.path), queue_size=2)
    first = next(frames)
    frames.close()

    assert first.shape == (360, 640, 3)
    assert not [t for t in threading.enumerate() if t.name == "endoveil-frame-reader"]


def test_frames_stream_to_the_end(tmp_path: Path) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(640, 360), seconds=1.0, seed=9)

    assert sum(1 for _ in iter_frames(str(source.path))) == source.frames


@pytest.mark.parametrize("pipe_format", ["bgr24", "yuv420p"])
def test_the_writer_keeps_size_rate_and_frame_count(
    tmp_path: Path, pipe_format: Literal["bgr24", "yuv420p"]
) -> None:
    frames = [np.full((64, 96, 3), (20 * i, 100, 200 - 20 * i), np.uint8) for i in range(7)]

    with H264Writer(tmp_path / "w.mp4", 96, 64, 30000 / 1001, pipe_format) as writer:
        for frame in frames:
            writer.write(frame)

    decoded = list(decoded_frames(tmp_path / "w.mp4"))
    assert len(decoded) == 7
    assert all(np.abs(a.astype(int) - b).max() <= 6 for a, b in zip(frames, decoded, strict=True))
    capture = cv2.VideoCapture(str(tmp_path / "w.mp4"))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(29.97, abs=0.01)
    capture.release()


def test_a_dying_ffmpeg_raises_encoder_error(tmp_path: Path) -> None:
    frame = np.zeros((64, 96, 3), np.uint8)
    with (
        pytest.raises(EncoderError),
        H264Writer(tmp_path / "no" / "dir" / "w.mp4", 96, 64, 25) as writer,
    ):
        for _ in range(200):
            writer.write(frame)
