"""The masking pass: one ffmpeg process decodes, blacks out, and encodes H.264.

The region is known before the pass starts, so the mask is applied where the frames already
are: rectangles outside the image's bounding box are ``drawbox`` fills (in place, on the
decoded planes), and a non-rectangular image (circle, octagon) also gets its corners from an
overlay of one precomputed mask picture. Python only reads ffmpeg's progress lines; no frame
crosses a pipe. yuv420p cannot hold an odd width or height (H.264 crops in 2-pixel units for
4:2:0), so an odd-sized video is padded by one black column/row, never cropped.
"""

from __future__ import annotations

import contextlib
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

import cv2
import numpy as np

from adapters.endoscope.blanks import Range
from adapters.endoscope.region import Region
from adapters.endoscope.segments import Segment
from adapters.endoscope.watch import FrameWatch
from adapters.masking.encoders import Encoder, choose
from adapters.masking.keyframe_tap import (
    OnKeyframe,
    frame_pipe,
    keyframe_tap,
    tap_args,
)
from adapters.masking.mp4_index import keyframe_numbers
from adapters.masking.text_tracks import TimedBox
from adapters.video.ffmpeg_frames import run_encoder
from adapters.video.frame_ranges import expression
from adapters.video.opencv_frames import VideoInfo

Progress = Callable[[int], None]
KEYFRAMES_PER_VIDEO = 16  # the verification decodes keyframes only: spread some over the video
MAX_KEYFRAME_GAP = 250  # libx264's own default
MIN_KEYFRAME_GAP = 12
# Text inside the image is read on keyframes: one shown this long cannot fall between two.
MAX_KEYFRAME_SECONDS = 1.0


# Full-range input (MJPEG capture boxes: yuvj420p) is brought to the limited range first:
# drawbox fills "black" as limited-range luma 16, which a full-range frame shows as grey
# (level ~18 after the final conversion), so the outside would fail its check.
LIMITED_RANGE = "scale=out_range=limited,"


def even_size(width: int, height: int) -> tuple[int, int]:
    """The frame size of the output: the input's, padded up to even numbers."""
    return width + width % 2, height + height % 2


def filter_graph(
    region: Region,
    info: VideoInfo,
    corners_input: bool,
    blank: Sequence[Range] = (),
    tail: str = "",
    segments: Sequence[Segment] = (),
    boxes: Sequence[TimedBox] = (),
    watched: tuple[int, int] | None = None,
) -> str:
    """The ``-filter_complex`` graph from input 0 (and the corner picture, input 1) to [out].

    Frames in ``blank`` (inclusive ranges: no endoscope image there) are blacked out whole;
    each of ``boxes`` (text inside the image) over its own frames. Several ``segments`` (the
    image changes mid-video) replace ``region``: each region masks only its own frames
    (``enable``), and the corner pictures of the non-rectangular ones are inputs 1, 2, ...
    in their order. With ``watched`` (``w, h``), a tiny BGR copy of every input frame, before
    any mask, also leaves the graph as [tiny] (``watch_args``).
    """
    head = "[0:v]" + LIMITED_RANGE
    if watched is not None:
        head = (f"[0:v]split=2[in][watch];[watch]scale={watched[0]}:{watched[1]}:flags=area,"
                f"format=bgr24[tiny];[in]{LIMITED_RANGE}")  # fmt: skip
    if len(segments) > 1:
        corners = iter(range(1, len(segments) + 1))
        chain = head + ",".join(
            _mask_steps(s.region, next(corners) if not s.region.rectangle else None,
                        expression(s.ranges), f"seg{i}")
            for i, s in enumerate(segments)
        )  # fmt: skip
    else:
        chain = head + _mask_steps(region, 1 if corners_input else None, "", "boxed")
    for b in boxes:
        chain += (f",drawbox=x={b.x}:y={b.y}:w={b.w}:h={b.h}:color=black:t=fill"
                  f":enable='between(n,{b.first},{b.last})'")  # fmt: skip
    if blank:
        chain += f",drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='{expression(blank)}'"
    width, height = even_size(info.width, info.height)
    if (width, height) != (info.width, info.height):
        chain += f",pad={width}:{height}:0:0:color=black"
    return chain + ",format=yuv420p" + tail + "[out]"


def _mask_steps(region: Region, corners: int | None, enabled: str, label: str) -> str:
    """Black outside ``region``: drawbox fills, then the corner picture (input ``corners``)."""
    enable = f":enable='{enabled}'" if enabled else ""
    steps = [f"drawbox=x={x}:y={y}:w={w}:h={h}:color=black:t=fill{enable}"
             for x, y, w, h in region.outside_boxes()]  # fmt: skip
    chain = ",".join(steps) if steps else "null"
    if corners is not None:
        x, y = corner_origin(region)
        chain += (f"[{label}];[{label}][{corners}:v]overlay=x={x}:y={y}:eof_action=repeat"
                  f":format=yuv420{enable}")  # fmt: skip
    return chain


def keyframe_gap(frames: int, fps: float | None = None) -> int:
    """Frames between forced keyframes: ``frames/16`` (12 to 250), at most a second with ``fps``."""
    gap = min(MAX_KEYFRAME_GAP, max(MIN_KEYFRAME_GAP, frames // KEYFRAMES_PER_VIDEO))
    if fps is not None and fps > 0:
        gap = min(gap, max(1, int(fps * MAX_KEYFRAME_SECONDS)))
    return gap


def keyframe_rule(frames: int, fps: float | None = None, starts: Sequence[int] = ()) -> str:
    """A keyframe every ``keyframe_gap`` frames, on the last frame and on ``starts``.

    ``starts``: the first frame of each stretch a segment's region masks, so that each is
    checked on a keyframe of its own.
    """
    gap = keyframe_gap(frames, fps)
    extra = [(start, start) for start in starts if start > 0]
    more = f"+{expression(extra)}" if extra else ""
    return f"expr:eq(mod(n,{gap}),0)+eq(n,{max(frames - 1, 0)}){more}"


def corner_origin(region: Region) -> tuple[int, int]:
    """Where the corner picture goes: the bounding box's corner rounded down to even.

    ``overlay`` in yuv420 places a picture only at even ``x`` and ``y`` (chroma is shared by
    2x2 pixels) and rounds odd ones down: a picture meant for an odd corner landed a pixel
    left or up, and the last column or row of the box was never blacked.
    """
    x, y, _, _ = region.bbox
    return x - x % 2, y - y % 2


def write_corners(region: Region, folder: Path, name: str = "corners") -> Path:
    """Write the corner picture: black and opaque where the image is not, from ``corner_origin``."""
    x0, y0 = corner_origin(region)
    x, y, w, h = region.bbox
    corners = region.mask[y0 : y + h, x0 : x + w]
    alpha = np.where(corners > 0, 0, 255).astype(np.uint8)
    path = folder / f"{name}.png"
    black = np.zeros_like(alpha)
    if not cv2.imwrite(str(path), cv2.merge([black, black, black, alpha])):
        raise OSError("cannot write the corner mask picture")
    return path


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit`` while the block runs, so cleanup code runs.

    Only in the main thread, and only where nobody installed a handler of their own.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def encode_masked(
    source: str,
    target: Path,
    region: Region,
    info: VideoInfo,
    progress: Progress | None = None,
    on_keyframe: OnKeyframe | None = None,
    blank: Sequence[Range] = (),
    encoder: Encoder | None = None,
    segments: Sequence[Segment] = (),
    boxes: Sequence[TimedBox] = (),
    numbered: Callable[[list[int]], None] | None = None,
    watch: FrameWatch | None = None,
    keyframes: Sequence[int] = (),
) -> int:
    """Mask and encode ``source`` into ``target`` in one ffmpeg run; return frames written.

    ``on_keyframe`` gets the planes of every keyframe of the encoded stream, decoded in the
    same run (``adapters.masking.keyframe_tap``), at most a second apart; after the encode,
    ``numbered`` gets their frame numbers, in the same order. Frames in ``blank`` come out
    black, and so does each of ``boxes`` over its frames. Several ``segments`` mask each its
    own frames, in place of ``region``. An
    exception, ``KeyboardInterrupt`` or SIGTERM (main thread) kills ffmpeg before it
    propagates; the caller's ``atomic_target`` then removes the partial file.

    Raises:
        EncoderError: ffmpeg could not start or exited with an error.

    """
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="endoveil-mask-")))
        errors = stack.enter_context(tempfile.TemporaryFile())
        stack.enter_context(sigterm_raises())
        shapes = [s.region for s in segments] if len(segments) > 1 else [region]
        corners = [write_corners(r, folder, f"corners{i}")
                   for i, r in enumerate(shapes) if not r.rectangle]  # fmt: skip
        encoder = encoder or choose("libx264")
        tail = encoder.filter_tail()
        tiny = None if watch is None else watch.size
        graph = filter_graph(region, info, bool(corners), blank, tail, segments, boxes, tiny)
        starts = [a for s in segments for a, _ in s.ranges] if len(segments) > 1 else []
        starts += keyframes
        args, fds = _encode_args(source, target, graph, corners, info, encoder, starts), []
        if on_keyframe is not None:
            size = even_size(info.width, info.height)
            fds.append(stack.enter_context(keyframe_tap(*size, on_keyframe)))
            args += tap_args(fds[-1])
        if watch is not None:
            shape = (watch.size[1], watch.size[0], 3)
            fds.append(stack.enter_context(frame_pipe(shape, watch.add, "frame-watch")))
            args += ["-map", "[tiny]", "-fps_mode", "passthrough", "-f", "rawvideo",
                     f"pipe:{fds[-1]}"]  # fmt: skip
        frames = run_encoder(args, errors, fds, progress)
        if numbered is not None:  # from the file's index: the encoder adds keyframes at cuts
            numbered(keyframe_numbers(str(target)) or [])
    return frames


def _encode_args(
    source: str,
    target: Path,
    graph: str,
    corners: list[Path],
    info: VideoInfo,
    encoder: Encoder,
    starts: Sequence[int],
) -> list[str]:
    """The ffmpeg arguments that mask ``source`` and encode it into ``target``."""
    inputs = [*encoder.input_args(), "-i", source]
    for picture in corners:
        inputs += ["-i", str(picture)]
    return [
        *inputs, "-filter_complex", graph,
        "-map", "[out]", "-an", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
        "-fps_mode", "passthrough",
        *encoder.codec_args(),
        "-force_key_frames", keyframe_rule(info.frames, info.fps, starts),
        "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-progress", "pipe:1", "-f", "mp4", "-y", str(target),
    ]  # fmt: skip
