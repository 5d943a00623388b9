"""The encoder's keyframes, decoded while it encodes (ffmpeg's loopback decoder).

``-dec 0:0`` decodes the packets the encoder hands to the muxer of output 0, that is, the
very H.264 stream written into the file; ``-skip_frame nokey`` makes it decode only the
keyframes. Their planes come out of a pipe of their own, read by a thread, so checking the
output costs no second decoding pass after the encode: it runs beside it.

Which frames the keyframes are is not left to the rule that forced them: an encoder adds
keyframes of its own at scene cuts. With ``times``, the tap also writes each keyframe's
presentation time (microseconds) to a file, in the order the planes come out, and
``frame_numbers`` turns them into frame numbers after the encode.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from adapters.video.ffmpeg_frames import read_frames

OnKeyframe = Callable[[np.ndarray], None]  # called with ``3 x H x W`` planes (G, B, R)
_KEY = "endoveil.keyframe"
_PTS = re.compile(r"^frame:\s*\d+\s+pts:\s*(-?\d+)", re.MULTILINE)


def tap_args(fd: int, times: Path | None = None) -> list[str]:
    """The ffmpeg output that writes output 0's decoded keyframes, planar, to ``fd``.

    With ``times``, each keyframe's time is printed to that file too (see ``frame_numbers``).
    """
    stamp = ""
    if times is not None:
        stamp = (f"settb=1/1000000,metadata=mode=add:key={_KEY}:value=1,"
                 f"metadata=mode=print:key={_KEY}:file={_escaped(str(times))},")  # fmt: skip
    return [
        "-skip_frame", "nokey", "-dec", "0:0",
        "-filter_complex", f"[dec:0]{stamp}format=gbrp[keyframes]", "-map", "[keyframes]",
        "-fps_mode", "passthrough", "-f", "rawvideo", f"pipe:{fd}",
    ]  # fmt: skip


def _escaped(value: str) -> str:
    """``value`` as a filter option inside ``-filter_complex`` (escaped for both levels)."""
    for special in "\\':":  # the option's own level
        value = value.replace(special, "\\" + special)
    for special in "\\'[],;":  # the graph's level
        value = value.replace(special, "\\" + special)
    return value


def frame_numbers(times: Path, fps: float) -> list[int]:
    """The frame number of each keyframe whose time ``tap_args`` wrote to ``times``.

    Counted from the first keyframe (the video's first frame), at the nominal ``fps``: level
    2 keeps every frame at the input's constant rate (``-fps_mode passthrough``).
    """
    stamps = [int(m.group(1)) for m in _PTS.finditer(times.read_text("ascii", "replace"))]
    if not stamps:
        return []
    return [round((stamp - stamps[0]) * fps / 1_000_000) for stamp in stamps]


@contextlib.contextmanager
def keyframe_tap(width: int, height: int, on_keyframe: OnKeyframe) -> Iterator[int]:
    """Yield the write end of a pipe for ffmpeg (``tap_args``); feed ``on_keyframe`` from it."""
    with frame_pipe((3, height, width), on_keyframe, "keyframe-tap") as fd:
        yield fd


@contextlib.contextmanager
def frame_pipe(
    shape: tuple[int, ...], on_frame: Callable[[np.ndarray], None], name: str
) -> Iterator[int]:
    """Yield the write end of a pipe of raw ``shape``-d frames; a thread feeds ``on_frame``.

    The block must start ffmpeg with the descriptor passed on and wait for it to end. On
    exit the pipe is closed and the reader joined; an error of the reader is raised then,
    in place of what it caused.
    A reader that fails stops reading and closes its end, so ffmpeg fails too, never hangs.
    """
    read_fd, write_fd = os.pipe()
    failures: list[BaseException] = []
    reader = threading.Thread(
        target=_pump,
        args=(open(read_fd, "rb"), shape, on_frame, failures),  # noqa: SIM115
        name=name,
        daemon=True,
    )
    reader.start()
    try:
        yield write_fd
    finally:
        os.close(write_fd)  # ffmpeg has ended: the reader now sees the end of the pipe
        reader.join()
        if failures:  # the cause of whatever the block raised (ffmpeg's broken pipe)
            raise failures[0]


def _pump(
    pipe: IO[bytes], shape: tuple[int, ...], on_frame: Callable[[np.ndarray], None],
    failures: list[BaseException],
) -> None:  # fmt: skip
    try:
        with pipe:
            for frame in read_frames(pipe, shape):
                on_frame(frame)
    except BaseException as failure:  # handed to the thread that waits for the encode
        failures.append(failure)
