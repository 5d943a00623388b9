"""Stretches of a video's frames: ``(first, last)``, inclusive, as events and filters use them."""

from __future__ import annotations

from collections.abc import Iterable

Range = tuple[int, int]  # first and last frame, inclusive


def merge(ranges: Iterable[Range]) -> list[Range]:
    """Sort ``ranges`` and join those that overlap or touch."""
    merged: list[Range] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def covers(ranges: Iterable[Range], frame: int) -> bool:
    """Whether ``frame`` lies in one of ``ranges``."""
    return any(first <= frame <= last for first, last in ranges)


def contains(ranges: Iterable[Range], span: Range) -> bool:
    """Whether every frame of ``span`` lies in ``ranges``."""
    return any(first <= span[0] and span[1] <= last for first, last in merge(ranges))


def as_text(ranges: Iterable[Range]) -> str:
    """``a-b, c-d`` for events."""
    return ", ".join(f"{a}-{b}" for a, b in ranges)


def expression(ranges: Iterable[Range]) -> str:
    """An ffmpeg expression of the frame number ``n``: non-zero on the frames of ``ranges``.

    A balanced tree of ``if(lt(n,first),left,right)`` over the merged ranges, its leaves
    ``between(n,first,last)``. ffmpeg's expression parser refuses a flat sum of about 100
    terms ("Cannot allocate memory"), and evaluates every term of one on every frame; the
    tree is ``log2`` of the ranges deep and costs as much per frame. ``0`` for no range.
    Commas are left as they are: a filter argument quotes the expression.
    """
    merged = merge(ranges)
    return _tree(merged) if merged else "0"


def _tree(ranges: list[Range]) -> str:
    if len(ranges) == 1:
        first, last = ranges[0]
        return f"eq(n,{first})" if first == last else f"between(n,{first},{last})"
    middle = len(ranges) // 2
    return f"if(lt(n,{ranges[middle][0]}),{_tree(ranges[:middle])},{_tree(ranges[middle:])})"
