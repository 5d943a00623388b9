"""The ffmpeg binary shipped by imageio-ffmpeg, and an H.264 writer fed with raw BGR frames.

OpenCV's ``VideoWriter`` cannot write H.264 (see VIDEO-NOTES), so frames are piped into
ffmpeg's stdin and encoded by libx264.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import cv2
import imageio_ffmpeg
import numpy as np

#: The x264 configuration of every H.264 output endoveil writes (levels 1 and 2).
X264_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18")


def encoder_settings(args: tuple[str, ...] = X264_ARGS) -> str:
    """How ``args`` are recorded in events' ``versions["encoder"]``: ``libx264 veryfast crf18``.

    Derived from the arguments themselves, so the record cannot drift from what ran; the
    format is the one stored events already hold, kept so old and new records compare.
    """
    options = dict(zip(args[::2], args[1::2], strict=True))
    return f"{options['-c:v']} {options['-preset']} crf{options['-crf']}"


#: What :data:`X264_ARGS` are recorded as in the events.
ENCODER_SETTINGS = encoder_settings()
_STDERR_TAIL = 2000
_FINISH_TIMEOUT_S = 300.0


class EncoderError(RuntimeError):
    """ffmpeg refused the job or died while encoding.

    Attributes:
        message: what went wrong, without ffmpeg's output (which may name files).
        returncode: ffmpeg's exit code, or ``None`` if it never ran to an end.
        stderr_tail: the last lines ffmpeg wrote to stderr (for developers, not for events).

    """

    def __init__(self, message: str, returncode: int | None = None, stderr_tail: str = "") -> None:
        super().__init__(f"{message}\n{stderr_tail}".rstrip())
        self.message = message
        self.returncode = returncode
        self.stderr_tail = stderr_tail


def ffmpeg_exe() -> str:
    """Return the path of the static ffmpeg binary bundled with imageio-ffmpeg."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def ffmpeg_version() -> str:
    """Return the ffmpeg version string (``n9.0.2-...``), read once per process."""
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True, check=False
    ).stdout
    words = out.split()
    return words[2] if len(words) > 2 and words[1] == "version" else "unknown"


def frame_rate_arg(fps: float) -> str:
    """Write ``fps`` as an ffmpeg rational: 25 -> ``25/1``, 29.97002997 -> ``30000/1001``."""
    rate = Fraction(fps).limit_denominator(1001)
    return f"{rate.numerator}/{rate.denominator}"


class H264Writer:
    """Encode BGR frames to an H.264/yuv420p MP4 without audio or metadata.

    Frames go to ffmpeg's stdin; its stderr goes to an anonymous temp file so a chatty
    ffmpeg can never fill a pipe and deadlock us. Use it as a context manager: a clean exit
    finishes the file, an exception kills ffmpeg (the caller's atomic target drops the file).

    Args:
        path: output file; its suffix is ignored (the MP4 muxer is forced), so temp names work.
        width: frame width in pixels, even.
        height: frame height in pixels, even.
        fps: frame rate of the input, kept as is in the output.
        pipe_format: ``bgr24`` pipes the frames as they are; ``yuv420p`` converts them with
            OpenCV first (BT.601 limited range, as ffmpeg would): half the bytes through the
            pipe and no swscale in ffmpeg, about 10-25% faster at 1080p on 2 cores.

    Raises:
        EncoderError: odd frame size (yuv420p needs even sizes) or ffmpeg could not start.

    """

    def __init__(
        self,
        path: Path | str,
        width: int,
        height: int,
        fps: float,
        pipe_format: Literal["bgr24", "yuv420p"] = "bgr24",
    ) -> None:
        if width <= 0 or height <= 0 or fps <= 0:
            raise EncoderError(f"invalid video geometry {width}x{height} at {fps} fps")
        if width % 2 or height % 2:
            raise EncoderError(
                f"odd frame size {width}x{height}: libx264 yuv420p needs even width and height"
            )
        self.width, self.height, self.frames_written = width, height, 0
        self._to_yuv = pipe_format == "yuv420p"
        # Lives as long as the writer, closed in close()/abort(): no with-block fits.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        command = [
            ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", pipe_format, "-s", f"{width}x{height}",
            "-r", frame_rate_arg(fps), "-i", "-",
            "-an", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
            *X264_ARGS, "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact",
            "-f", "mp4", str(path),
        ]  # fmt: skip
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr
            )
        except OSError as err:
            self._stderr.close()
            raise EncoderError(f"cannot start ffmpeg: {err.strerror}") from err

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: np.ndarray) -> None:
        """Send one ``HxWx3`` uint8 BGR frame to the encoder.

        Raises:
            EncoderError: the frame has the wrong shape or ffmpeg has died.

        """
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise EncoderError(f"frame {frame.shape} {frame.dtype} does not match the writer")
        stdin = self._proc.stdin
        assert stdin is not None  # Popen was given stdin=PIPE
        try:
            raw = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420) if self._to_yuv else frame
            stdin.write(np.ascontiguousarray(raw).data)
        except (BrokenPipeError, ValueError) as err:
            returncode = self._proc.wait()
            raise EncoderError(
                f"ffmpeg stopped accepting frames (exit code {returncode})",
                returncode,
                self._tail(),
            ) from err
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file: end of input, wait for ffmpeg, check its exit code.

        Raises:
            EncoderError: ffmpeg exited with an error or did not finish in time.

        """
        try:
            if self._proc.stdin is not None and not self._proc.stdin.closed:
                self._proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg already died; its exit code below tells why
        try:
            returncode = self._proc.wait(timeout=_FINISH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.abort()
            raise EncoderError("ffmpeg did not finish in time", None, self._tail()) from None
        try:
            if returncode != 0:
                raise EncoderError(
                    f"ffmpeg exited with code {returncode}", returncode, self._tail()
                )
        finally:
            self._stderr.close()

    def abort(self) -> None:
        """Kill ffmpeg and discard what it wrote so far (the caller removes the file)."""
        if self._proc.poll() is None:
            self._proc.kill()
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        self._proc.wait()
        self._stderr.close()

    def _tail(self) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.flush()
        size = self._stderr.seek(0, 2)
        self._stderr.seek(max(0, size - _STDERR_TAIL))
        return self._stderr.read().decode("utf-8", errors="replace").strip()
