"""The encoder's keyframes, decoded while it encodes (ffmpeg's loopback decoder).

``-dec 0:0`` decodes the packets the encoder hands to the muxer of output 0, that is, the
very H.264 stream written into the file; ``-skip_frame nokey`` makes it decode only the
keyframes. Their planes come out of a pipe of their own, read by a thread, so checking the
output costs no second decoding pass after the encode: it runs beside it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import IO

import numpy as np

from adapters.video.ffmpeg_frames import read_frames

OnKeyframe = Callable[[np.ndarray], None]  # called with ``3 x H x W`` planes (G, B, R)


def tap_args(fd: int) -> list[str]:
    """The ffmpeg output that writes output 0's decoded keyframes, planar, to ``fd``."""
    return [
        "-skip_frame", "nokey", "-dec", "0:0",
        "-filter_complex", "[dec:0]format=gbrp[keyframes]", "-map", "[keyframes]",
        "-fps_mode", "passthrough", "-f", "rawvideo", f"pipe:{fd}",
    ]  # fmt: skip


@contextlib.contextmanager
def keyframe_tap(width: int, height: int, on_keyframe: OnKeyframe) -> Iterator[int]:
    """Yield the write end of a pipe for ffmpeg (``tap_args``); feed ``on_keyframe`` from it.

    The block must start ffmpeg with the descriptor passed on and wait for it to end. On
    exit the pipe is closed and the reader joined; an error of the reader is raised then,
    in place of what it caused.
    A reader that fails stops reading and closes its end, so ffmpeg fails too, never hangs.
    """
    read_fd, write_fd = os.pipe()
    failures: list[BaseException] = []
    reader = threading.Thread(
        target=_pump,
        args=(open(read_fd, "rb"), (3, height, width), on_keyframe, failures),  # noqa: SIM115
        name="keyframe-tap",
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
    pipe: IO[bytes], shape: tuple[int, int, int], on_keyframe: OnKeyframe,
    failures: list[BaseException],
) -> None:  # fmt: skip
    try:
        with pipe:
            for planes in read_frames(pipe, shape):
                on_keyframe(planes)
    except BaseException as failure:  # handed to the thread that waits for the encode
        failures.append(failure)
