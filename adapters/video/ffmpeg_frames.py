"""ffmpeg child processes that never outlive us, and raw frames streamed out of ffmpeg.

Decoding through ffmpeg rather than OpenCV lets a reader ask for only what it needs:
keyframes (``-skip_frame nokey`` decodes nothing else), a few seconds, a scaled grey copy.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO

import numpy as np

from adapters.video.ffmpeg import EncoderError, ffmpeg_exe

_PR_SET_PDEATHSIG = 1
_STDERR_TAIL = 2000  # bytes of ffmpeg's stderr kept in an encoder error
QUIET = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")
# An option value longer than this goes to ffmpeg in a file (``-/option file``): Linux refuses
# a single argument over 128 KiB, and a long video's filter graph or keyframe list gets there.
LONG_ARG = 32_768
_SPILLABLE = ("-filter_complex", "-vf", "-force_key_frames")  # the options such values take


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGKILL this child when its parent dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def start_ffmpeg(
    args: Sequence[str],
    stdout: int | IO[bytes],
    stderr: int | IO[bytes],
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start ``ffmpeg args`` without stdin; on Linux it dies with this process.

    ``pass_fds`` stay open in ffmpeg under the same numbers (for ``pipe:N`` outputs).

    Raises:
        OSError: ffmpeg could not be started.
    """
    with contextlib.ExitStack() as files:
        args, spilled = _spill_long(args, files)
        return subprocess.Popen(
            [ffmpeg_exe(), *QUIET, *args],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(*pass_fds, *spilled),
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )


def _spill_long(args: Sequence[str], files: contextlib.ExitStack) -> tuple[list[str], list[int]]:
    """``args`` with each option value over ``LONG_ARG`` read from a file, and their fds.

    The files are unnamed: gone once closed. ffmpeg inherits each descriptor and opens it as
    ``/dev/fd/N`` while it parses its options; ``start_ffmpeg`` closes ours once it started.
    """
    out: list[str] = []
    fds: list[int] = []
    for arg in args:
        option = out[-1] if out else ""
        if len(arg) > LONG_ARG and option in _SPILLABLE:
            held = files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (the stack closes it)
            held.write(arg.encode())
            held.flush()
            held.seek(0)
            out[-1] = "-/" + option[1:]
            out.append(f"/dev/fd/{held.fileno()}")
            fds.append(held.fileno())
        else:
            out.append(arg)
    return out, fds


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` if it still runs and reap it (no zombie, no orphan)."""
    if proc.poll() is None:
        proc.kill()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    proc.wait()


def stream_frames(
    input_args: Sequence[str], filters: str, width: int, height: int, pix_fmt: str
) -> Iterator[np.ndarray]:
    """Yield the frames ffmpeg decodes with ``input_args`` and ``filters`` as arrays.

    Args:
        input_args: input options and ``-i path`` (e.g. ``["-skip_frame", "nokey", "-i", p]``).
        filters: the ``-vf`` chain; it must produce ``width x height`` frames.
        width: frame width after ``filters``.
        height: frame height after ``filters``.
        pix_fmt: ``gray`` (``HxW``), ``bgr24`` (``HxWx3``) or ``gbrp`` (planes, ``3xHxW``).

    Only one frame is in memory at a time; closing the iterator early kills ffmpeg.
    A video ffmpeg cannot decode yields nothing.
    """
    shape = {"bgr24": (height, width, 3), "gbrp": (3, height, width)}.get(pix_fmt, (height, width))
    args = [*input_args, "-an", "-sn", "-dn", "-vf", filters, "-fps_mode", "passthrough"]
    proc = start_ffmpeg([*args, "-pix_fmt", pix_fmt, "-f", "rawvideo", "pipe:1"],
                        subprocess.PIPE, subprocess.DEVNULL)  # fmt: skip
    assert proc.stdout is not None
    try:
        yield from read_frames(proc.stdout, shape)
    finally:
        stop(proc)


def read_frames(pipe: IO[bytes], shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """Yield the ``shape``-d uint8 raw frames read from ``pipe`` until it ends."""
    size = int(np.prod(shape))
    while len(raw := pipe.read(size)) == size:
        yield np.frombuffer(raw, np.uint8).reshape(shape)


def follow_progress(proc: subprocess.Popen[bytes], progress: Callable[[int], None] | None) -> int:
    """Read ffmpeg's ``-progress pipe:1`` lines until it ends; return the last frame count.

    ``progress(frames)`` is called with each count, for a progress bar.
    """
    assert proc.stdout is not None
    frames = 0
    for line in proc.stdout:
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if key == "frame" and value.isdigit():
            frames = int(value)
            if progress is not None:
                progress(frames)
    proc.wait()
    return frames


def run_encoder(
    args: Sequence[str],
    errors: IO[bytes],
    pass_fds: Sequence[int],
    progress: Callable[[int], None] | None,
) -> int:
    """Run an encoding ``ffmpeg args`` (with ``-progress pipe:1``) to its end; return its frames.

    ``errors`` collects ffmpeg's stderr; its tail goes into the error when ffmpeg fails.

    Raises:
        EncoderError: ffmpeg could not start or exited with an error.
    """
    try:
        proc = start_ffmpeg(args, subprocess.PIPE, errors, pass_fds)
    except OSError as err:
        raise EncoderError(f"cannot start ffmpeg: {err.strerror}") from err
    try:
        frames = follow_progress(proc, progress)
    finally:
        stop(proc)
    if proc.returncode != 0:
        errors.seek(0)
        tail = errors.read()[-_STDERR_TAIL:].decode("utf-8", "replace").strip()
        raise EncoderError(f"ffmpeg exited with code {proc.returncode}", proc.returncode, tail)
    return frames
