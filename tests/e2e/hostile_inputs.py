"""Hostile and odd input files for ``endoveil import`` (issue #8), generated small and seeded.

Every file name carries the planted patient name, so a leak of a file name is caught.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from adapters.demo.synthetic import circle_layout, make_video
from tests.robustness import PLANTED_NAME

SMALL = circle_layout(640, 360, name="small_circle")
REFUSED = "refused"  # the probe must refuse the file: state failed, no output
HANDLED = "handled"  # archived (anonymized or a raw copy) or failed with a recorded reason


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg quietly; fail loudly."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([*command, *args], check=True, capture_output=True)


def y4m(path: Path, width: int, height: int, rate: str, payload: bytes) -> Path:
    """A YUV4MPEG2 file: a header declaring ``width x height`` at ``rate``, then ``payload``."""
    header = f"YUV4MPEG2 W{width} H{height} F{rate} Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + payload)
    return path


def _zero_timescale(base: Path, path: Path) -> Path:
    """An MP4 whose video track's time scale is 0: a frame rate of (about) 0."""
    data = bytearray(base.read_bytes())
    mdhd = data.find(b"mdhd")
    offset = mdhd + 8 + (8 if data[mdhd + 4] == 0 else 16)
    data[offset : offset + 4] = struct.pack(">I", 0)
    path.write_bytes(bytes(data))
    return path


def _derived(base: Path, path: Path, *args: str) -> Path:
    ffmpeg("-i", str(base), *args, str(path))
    return path


def _frames_y4m(path: Path) -> Path:
    rng = np.random.default_rng(7)
    frames = b"".join(b"FRAME\n" + rng.bytes(64 * 48 * 3 // 2) for _ in range(5))
    return y4m(path, 64, 48, "0:1", frames)


Maker = Callable[[Path, Path], Path]
N = PLANTED_NAME
CASES: dict[str, tuple[str, Maker]] = {
    "random bytes": (
        REFUSED,
        lambda d, _: _write(d / f"{N} random.mp4", np.random.default_rng(1).bytes(100_000)),
    ),
    "text named mp4": (REFUSED, lambda d, _: _write(d / f"{N} notes.mp4", b"Patient " * 300)),
    "huge y4m 100000": (
        REFUSED,
        lambda d, _: y4m(d / f"{N} huge.y4m", 100_000, 100_000, "25:1", b"FRAME\n" + bytes(64)),
    ),
    "huge y4m 10000": (
        REFUSED,
        lambda d, _: y4m(d / f"{N} big.y4m", 10_000, 10_000, "25:1", b"FRAME\n" + bytes(64)),
    ),
    "huge mp4 9000 wide": (REFUSED, lambda d, _: _wide(d / f"{N} wide.mp4")),
    "0 fps mp4": (REFUSED, lambda d, base: _zero_timescale(base, d / f"{N} fps0.mp4")),
    "0 fps y4m": (HANDLED, lambda d, _: _frames_y4m(d / f"{N} fps0.y4m")),
    "variable frame rate": (
        HANDLED,
        lambda d, base: _derived(
            base, d / f"{N} vfr.mp4", "-vf", "setpts='PTS+gt(N,6)*0.3/TB'", "-fps_mode", "vfr"
        ),
    ),
    "odd size": (
        HANDLED,
        lambda d, base: _derived(base, d / f"{N} odd.mp4", "-vf", "crop=639:359:0:0"),
    ),
    "audio track": (HANDLED, lambda d, base: _with_audio(base, d / f"{N} audio.mp4")),
    "rotation": (
        HANDLED,
        lambda d, base: _rotated(base, d / f"{N} rotated.mp4"),
    ),
    "unicode and spaces": (HANDLED, lambda d, base: _copy(base, d / f"{N} Ärztin 検査 video.mp4")),
    "looks like -rf": (HANDLED, lambda d, _: _video(d / "-rf.mp4", seed=5)),
    "looks like --json": (HANDLED, lambda d, _: _copy(_video(d / "--x.mp4", 5), d / "--json.mp4")),
    "symlink": (HANDLED, lambda d, base: _symlink(d / f"{N} link.mp4", base)),
}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _copy(base: Path, path: Path) -> Path:
    return _write(path, base.read_bytes())


def _video(path: Path, seed: int) -> Path:
    return make_video(path, SMALL, seconds=0.6, seed=seed, patient=f"{N}, Erika").path


def _wide(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "color=c=red:size=9000x64:rate=25:d=0.2", "-pix_fmt", "yuv420p",
           "-c:v", "libx264", str(path))  # fmt: skip
    return path


def _with_audio(base: Path, path: Path) -> Path:
    ffmpeg("-i", str(base), "-f", "lavfi", "-i", "sine=f=440:d=1", "-c:v", "copy", "-c:a", "aac",
           "-shortest", str(path))  # fmt: skip
    return path


def _rotated(base: Path, path: Path) -> Path:
    ffmpeg("-display_rotation", "90", "-i", str(base), "-c", "copy", str(path))
    return path


def _symlink(link: Path, base: Path) -> Path:
    target = link.parent.parent / "elsewhere" / f"{N} linked target.mp4"
    target.parent.mkdir(exist_ok=True)
    _copy(base, target)
    link.symlink_to(target)
    return link
