"""The encoder's keyframes, decoded while it encodes (ffmpeg's loopback decoder).

``-dec 0:0`` decodes the packets the encoder hands to the muxer of output 0, that is, the
very H.264 stream written into the file; ``-skip_frame nokey`` makes it decode only the
keyframes. Their planes come out of a pipe of their own, read by a thread, so checking the
output costs no second decoding pass after the encode: it runs beside it.

Which frames the keyframes are is not left to the rule that forced them: an encoder adds
keyframes of its own at scene cuts. They are read from the written file's index after the
encode (``adapters.masking.mp4_index``), in the order the planes came out.
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
