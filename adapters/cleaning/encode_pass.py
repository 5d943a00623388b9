"""Level 1's pixel pass: one ffmpeg process blacks out, keeps, masks and encodes H.264.

The masks are known before the pass starts (pass 1 only read sampled frames), so, as level 2
does (``adapters.masking.encode``), they are drawn where the frames already are: everything
outside the endoscope image is black (``drawbox`` fills, plus an overlay of the corner
picture for a round or octagonal image), the kept lines are put back from a copy of the
source frame (``crop`` + ``overlay``, each only over the frames it was read in), and then the
masked lines are filled black over their frame spans (``drawbox`` with ``enable``). Masks are
drawn last, so a mask always wins over a kept box. No frame crosses a pipe into Python but
the encoder's own keyframes (``adapters.masking.keyframe_tap``), which verification reads.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from adapters.cleaning.tracking import Mask, Rect
from adapters.endoscope.region import Region
from adapters.masking.encode import (
    corner_origin,
    even_size,
    keyframe_rule,
    sigterm_raises,
    write_corners,
)
from adapters.masking.keyframe_tap import OnKeyframe, keyframe_tap, tap_args
from adapters.video.ffmpeg import X264_ARGS
from adapters.video.ffmpeg_frames import run_encoder
from adapters.video.opencv_frames import VideoInfo

Progress = Callable[[int], None]


def outward(rect: Rect) -> Rect:
    """``rect`` grown to even coordinates (4:2:0 chroma is 2x2: a mask covers whole blocks)."""
    x0, y0, x1, y1 = rect
    return (x0 - x0 % 2, y0 - y0 % 2, x1 + x1 % 2, y1 + y1 % 2)


def inward(rect: Rect) -> Rect | None:
    """``rect`` shrunk to even coordinates (a kept box never grows); None when nothing is left."""
    x0, y0, x1, y1 = rect
    box = (x0 + x0 % 2, y0 + y0 % 2, x1 - x1 % 2, y1 - y1 % 2)
    return box if box[0] < box[2] and box[1] < box[3] else None


def _enable(mask: Mask) -> str:
    return f"enable='between(n,{mask.start},{mask.end})'"


def filter_graph(
    region: Region, info: VideoInfo, masks: list[Mask], kept: list[Mask], corners: bool
) -> str:
    """The ``-filter_complex`` graph from input 0 (and the corner picture, input 1) to [out]."""
    keep = [(m, box) for m in kept if (box := inward(m.rect)) is not None]
    parts = []
    head = "[0:v]"
    if keep:
        labels = "".join(f"[k{i}]" for i in range(len(keep)))
        parts.append(f"[0:v]split={len(keep) + 1}[base]{labels}")
        head = "[base]"
    steps = [f"drawbox=x={x}:y={y}:w={w}:h={h}:color=black:t=fill"
             for x, y, w, h in region.outside_boxes()]  # fmt: skip
    parts.append(head + (",".join(steps) if steps else "null") + "[v0]")
    current = "[v0]"
    if corners:
        x, y = corner_origin(region)
        parts.append(f"{current}[1:v]overlay=x={x}:y={y}:eof_action=repeat:format=yuv420[vc]")
        current = "[vc]"
    for i, (mask, (x0, y0, x1, y1)) in enumerate(keep):
        parts.append(f"[k{i}]crop={x1 - x0}:{y1 - y0}:{x0}:{y0}[c{i}]")
        parts.append(f"{current}[c{i}]overlay=x={x0}:y={y0}:{_enable(mask)}[kept{i}]")
        current = f"[kept{i}]"
    tail = []
    for mask in masks:
        x0, y0, x1, y1 = outward(mask.rect)
        tail.append(f"drawbox=x={x0}:y={y0}:w={x1 - x0}:h={y1 - y0}:color=black:t=fill:"
                    f"{_enable(mask)}")  # fmt: skip
    width, height = even_size(info.width, info.height)
    if (width, height) != (info.width, info.height):
        tail.append(f"pad={width}:{height}:0:0:color=black")
    tail.append("format=yuv420p")
    parts.append(current + ",".join(tail) + "[out]")
    return ";".join(parts)


def encode_cleaned(
    source: str,
    target: Path,
    info: VideoInfo,
    region: Region,
    masks: list[Mask],
    kept: list[Mask],
    on_keyframe: OnKeyframe,
    progress: Progress | None = None,
) -> int:
    """Black out, keep, mask and encode ``source`` into ``target`` in one ffmpeg run.

    Returns:
        The frames written (ffmpeg's last progress count).

    Raises:
        EncoderError: ffmpeg could not start or exited with an error.
    """
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="endoveil-l1-")))
        errors = stack.enter_context(tempfile.TemporaryFile())
        stack.enter_context(sigterm_raises())
        corners = None if region.rectangle else write_corners(region, folder)
        inputs = ["-i", source] + ([] if corners is None else ["-i", str(corners)])
        graph = filter_graph(region, info, masks, kept, corners is not None)
        tap = stack.enter_context(keyframe_tap(*even_size(info.width, info.height), on_keyframe))
        args = [
            *inputs, "-filter_complex", graph, "-map", "[out]",
            "-an", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
            "-fps_mode", "passthrough", *X264_ARGS,
            "-force_key_frames", keyframe_rule(info.frames),
            "-movflags", "+faststart", "-progress", "pipe:1", "-f", "mp4", "-y", str(target),
            *tap_args(tap),
        ]  # fmt: skip
        frames = run_encoder(args, errors, [tap], progress)
    return frames
