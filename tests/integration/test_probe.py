"""OpenCVProbe on good, empty, garbage and truncated files; it never modifies them."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from adapters.demo.synthetic import SyntheticVideo, circle_layout, make_video
from adapters.video.probe import OpenCVProbe


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> SyntheticVideo:
    folder = tmp_path_factory.mktemp("probe")
    return make_video(folder / "Mustermann_Erika.mp4", circle_layout(640, 360), seconds=1.0)


def probe_unchanged(path: Path) -> tuple[bool, str, str]:
    """Probe ``path`` and check that the file is byte-for-byte the same afterwards."""
    before = sha256(path)
    result = OpenCVProbe().probe(str(path))
    assert sha256(path) == before
    assert "Mustermann" not in result.detail and str(path) not in result.detail
    return result.readable, result.reason, result.detail


def test_a_valid_video_is_readable_with_its_geometry(video: SyntheticVideo) -> None:
    before = sha256(video.path)

    result = OpenCVProbe().probe(str(video.path))

    assert result.readable, result
    assert (result.width, result.height) == (640, 360)
    assert result.fps == pytest.approx(25.0)
    assert result.frames == video.frames == 25
    assert sha256(video.path) == before


def test_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()

    assert probe_unchanged(empty)[:2] == (False, "empty_file")


def test_random_bytes_are_not_a_video(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(1).bytes(200_000))

    assert probe_unchanged(garbage)[:2] == (False, "not_a_video")


def test_a_text_file_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "Mustermann_Erika_notes.mp4"
    text.write_text("Patient: Mustermann, Erika\ngeb. 12.03.1955\n" * 50, encoding="utf-8")

    assert probe_unchanged(text)[:2] == (False, "not_a_video")


@pytest.mark.parametrize("keep", [0.5, 0.97, 0.05])
def test_a_cut_mp4_is_not_readable(tmp_path: Path, video: SyntheticVideo, keep: float) -> None:
    data = video.path.read_bytes()
    cut = tmp_path / "Mustermann_Erika_cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])

    readable, reason, detail = probe_unchanged(cut)

    assert not readable
    assert reason in {"truncated_video", "not_a_video"}
    assert detail


def test_a_missing_file_does_not_raise(tmp_path: Path) -> None:
    result = OpenCVProbe().probe(str(tmp_path / "missing.mp4"))

    assert (result.readable, result.reason) == (False, "not_a_video")


def _write(path: Path, frames: int, extra: list[str]) -> Path:
    from adapters.video.ffmpeg import ffmpeg_exe

    source = f"testsrc2=size=320x240:rate=25:duration={frames / 25}"
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", source, *extra, str(path)]
    subprocess.run(args, check=True)
    return path


def test_a_one_frame_video_is_readable(tmp_path: Path) -> None:
    clip = _write(tmp_path / "one.mp4", 1, ["-c:v", "libx264", "-pix_fmt", "yuv420p"])

    result = OpenCVProbe().probe(str(clip))

    assert (result.readable, result.frames) == (True, 1), result


def test_a_still_image_is_refused_as_such(tmp_path: Path) -> None:
    picture = _write(tmp_path / "still.png", 1, ["-frames:v", "1"])

    readable, reason, detail = probe_unchanged(picture)

    assert (readable, reason) == (False, "no_frames")
    assert "still image" in detail


#: Index first (faststart), so that a cut file still opens and declares every frame.
_CONTAINERS = {
    "mkv": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25"],
    "avi": ["-c:v", "mjpeg"],
    "mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-movflags", "+faststart"],
    "mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-movflags", "+faststart"],
}


@pytest.mark.parametrize("container", sorted(_CONTAINERS))
def test_indexed_containers_are_vouched_for_without_decoding_the_last_gop(
    tmp_path: Path, container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.video import probe

    clip = _write(tmp_path / f"clip.{container}", 50, _CONTAINERS[container])

    def decoding(*_: object) -> bool:
        raise AssertionError("the last GOP was decoded")

    monkeypatch.setattr(probe, "last_frame_decodes", decoding)
    result = OpenCVProbe().probe(str(clip))

    assert (result.readable, result.frames) == (True, 50), result


@pytest.mark.parametrize("container", sorted(_CONTAINERS))
@pytest.mark.parametrize("keep", [0.6, 0.97])
def test_a_cut_indexed_container_is_truncated(tmp_path: Path, container: str, keep: float) -> None:
    clip = _write(tmp_path / f"clip.{container}", 50, _CONTAINERS[container])
    data = clip.read_bytes()
    cut = tmp_path / f"Mustermann_cut.{container}"
    cut.write_bytes(data[: int(len(data) * keep)])

    assert probe_unchanged(cut)[:2] == (False, "truncated_video")


def test_an_mpeg_ts_has_its_last_frame_decoded(tmp_path: Path) -> None:
    """MPEG-TS estimates its frame count: no index vouches for it, so the decode decides."""
    from adapters.video.probe import indexed_container

    clip = _write(tmp_path / "clip.ts", 50, _CONTAINERS["mkv"])

    assert not indexed_container(str(clip))
    assert OpenCVProbe().probe(str(clip)).readable
