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
