"""Frames without an endoscope image become inclusive ranges the event can name."""

from __future__ import annotations

from adapters.endoscope.blanks import describe, to_ranges


def test_flagged_frames_join_into_ranges() -> None:
    flags = [True, True, False, False, True, False, True, True]

    assert to_ranges(flags, len(flags)) == [(0, 1), (4, 4), (6, 7)]
    assert to_ranges([False] * 5, 5) == []


def test_ranges_are_described_with_their_frame_count() -> None:
    assert describe([(0, 24), (40, 59)]) == "45 frames (0-24, 40-59)"
    assert describe([]) == ""
