"""Inclusive frame ranges: merged, asked about a frame and about a whole span."""

from __future__ import annotations

from adapters.video.frame_ranges import contains, covers, merge


def test_ranges_that_overlap_or_touch_are_one() -> None:
    assert merge([(10, 12), (0, 3), (4, 6), (11, 20)]) == [(0, 6), (10, 20)]


def test_a_span_is_contained_only_when_every_frame_of_it_is() -> None:
    blank = [(20, 29), (0, 9), (10, 14)]  # touching: 0-14 as one

    assert contains(blank, (3, 12)) and contains(blank, (20, 29))
    assert not contains(blank, (12, 20))  # 15-19 are shown
    assert covers(blank, 12) and not covers(blank, 17)
