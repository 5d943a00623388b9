"""Lines read on keyframes become boxes over the frames between the reads where they were absent."""

from __future__ import annotations

import numpy as np
import pytest

from adapters.endoscope.region import Region
from adapters.masking.encode import filter_graph, keyframe_gap
from adapters.masking.text_tracks import (
    TimedBox,
    describe,
    frame_ranges,
    largest_cover,
    track_lines,
    union,
    unseen_ends,
    widen,
)
from adapters.video.opencv_frames import VideoInfo

NAME = (100, 50, 200, 30)
KEYFRAMES = [0, 25, 50, 75, 100, 125]  # frame numbers of the reads


def test_a_line_seen_on_some_reads_spans_from_the_read_before_to_the_read_after() -> None:
    found = [[], [], [NAME], [NAME], [], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert boxes == [TimedBox(*NAME, 25, 100)]  # absent at 25 and 100: covered up to them


def test_a_line_at_the_start_or_the_end_reaches_the_video_s_end() -> None:
    first = track_lines([[NAME], [], [], [], [], []], KEYFRAMES, 150)
    last = track_lines([[], [], [], [], [], [NAME]], KEYFRAMES, 150)
    always = track_lines([[NAME]] * 6, KEYFRAMES, 150)

    assert [(b.first, b.last) for b in first + last + always] == [(0, 25), (100, 149), (0, 149)]


def test_overlapping_boxes_on_consecutive_reads_are_one_line_their_union_masked() -> None:
    ticking = [(100, 50, 200, 30), (104, 50, 210, 30), (100, 52, 190, 30)]  # a clock, say
    found = [[], [ticking[0]], [ticking[1]], [ticking[2]], [], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert boxes == [TimedBox(100, 50, 214, 32, 0, 100)]


def test_a_line_that_comes_back_is_masked_twice_and_other_lines_apart() -> None:
    date = (400, 300, 120, 20)
    found = [[NAME], [], [NAME, date], [date], [], [], [NAME]]  # gone for three reads

    boxes = track_lines(found, [*KEYFRAMES, 150], 175)

    assert boxes == [TimedBox(*NAME, 0, 25), TimedBox(*NAME, 25, 75), TimedBox(*date, 25, 100),
                     TimedBox(*NAME, 125, 174)]  # fmt: skip
    assert frame_ranges(boxes) == [(0, 100), (125, 174)]
    assert describe(boxes) == "4 box(es) over frames 0-100, 125-174"


def test_a_line_read_again_where_it_was_after_two_missed_reads_is_held_between() -> None:
    # a faint line the OCR misses on two reads in a row, read again at its place
    again = (110, 52, 180, 28)
    found = [[], [NAME], [], [], [again], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    def holds(b: TimedBox, frame: int) -> bool:
        return b.first <= frame <= b.last and union(b.box, again) == b.box

    assert all(any(holds(b, frame) for b in boxes) for frame in range(0, 126))
    assert not track_lines([[], [NAME], [], [], [], [again]], KEYFRAMES, 150)[0].last > 50


def test_one_miss_on_a_frame_read_for_a_line_s_end_does_not_end_it() -> None:
    found = [[], [NAME], [], [], [], []]
    numbers = [0, 25, 29, 33, 50, 75]  # 29 and 33 read after the line's last keyframe

    boxes = track_lines(found, numbers, 100, unsure={29, 33})

    assert boxes == [TimedBox(*NAME, 0, 33)]  # one miss may be the OCR's: gone at two


def test_the_frames_around_a_line_s_first_and_last_sighting_are_read_every_few_frames() -> None:
    found = [[], [NAME], [NAME], [], [], []]

    assert unseen_ends(found, KEYFRAMES, 150, 8) == [1, 9, 17, 58, 66, 74]
    assert unseen_ends([[NAME]] * 6, KEYFRAMES, 150, 8) == [133, 141, 149]  # to the end
    assert unseen_ends([[]] * 6, KEYFRAMES, 150, 8) == []


def test_a_moving_line_read_every_few_frames_keeps_boxes_near_its_way() -> None:
    # read every 4 frames (its ends read so): pieces are not joined into one growing box
    numbers = list(range(0, 100, 4))
    found = [[(100 + 6 * n, 200, 120, 24)] for n in numbers]

    boxes = track_lines(found, numbers, 100)

    assert len(boxes) > 1 and all(b.w <= 120 + 3 * 24 for b in boxes)


def test_two_boxes_on_one_read_that_both_touch_a_line_join_it() -> None:
    left, right = (100, 50, 100, 30), (190, 50, 100, 30)
    found = [[(150, 50, 100, 30)], [left, right], [], [], [], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert boxes == [TimedBox(100, 50, 190, 30, 0, 50)]


def test_every_read_needs_its_frame_number() -> None:
    with pytest.raises(ValueError, match="frame number"):
        track_lines([[NAME]], [0, 25], 50)


def test_widened_boxes_stay_in_the_frame() -> None:
    assert widen((5, 50, 100, 20), 12, 620, 405) == (0, 38, 117, 44)
    assert widen((600, 400, 30, 10), 12, 620, 405) == (588, 388, 32, 17)


def test_the_largest_cover_is_measured_on_the_image_where_boxes_overlap_in_time() -> None:
    inside = np.zeros((100, 200), np.uint8)
    inside[:, 50:150] = 255  # 10 000 image pixels
    boxes = [TimedBox(0, 0, 100, 10, 0, 40), TimedBox(50, 50, 100, 20, 30, 60),
             TimedBox(50, 80, 100, 20, 61, 99)]  # fmt: skip

    share, frame = largest_cover(boxes, inside)

    assert (share, frame) == (pytest.approx((500 + 2000) / 10_000), 30)


def test_timed_boxes_are_drawn_only_on_their_frames() -> None:
    mask = np.full((100, 200), 255, np.uint8)
    region = Region(mask, (0, 0, 200, 100), "detected@3", rectangle=True)
    info = VideoInfo(200, 100, 25.0, 50)

    graph = filter_graph(region, info, False, boxes=[TimedBox(10, 20, 30, 40, 5, 17)])

    assert "drawbox=x=10:y=20:w=30:h=40:color=black:t=fill:enable='between(n,5,17)'" in graph


def test_keyframes_are_at_most_a_second_apart() -> None:
    assert keyframe_gap(500, 25.0) == 25  # 16 per video would be 31 frames apart
    assert keyframe_gap(40, 25.0) == 12  # short clips keep the 16-per-video spread
    assert keyframe_gap(100_000, 10.0) == 10  # below the old minimum of 12 at low rates
    assert keyframe_gap(100_000) == 250  # level 1's rule is unchanged


def test_a_line_that_moves_between_reads_is_covered_all_along_its_way() -> None:
    # scrolling up 40 px per read: no two boxes overlap, each is where the last one went
    found = [[], *([(100, 200 - 40 * i, 200, 30)] for i in range(4)), []]

    boxes = track_lines(found, KEYFRAMES, 150)

    for frame in range(0, 126):  # linearly between the reads, one step beyond each end
        y = 200 - 40 * (frame - 25) / 25
        top = max(y, 0)
        assert any(
            b.first <= frame <= b.last and b.y <= top and y + 30 <= b.y + b.h for b in boxes
        ), frame
    # one step between reads, two at either end: never the whole way at once
    assert all(b.h <= 30 + 2 * 40 for b in boxes)


def test_two_lines_alike_far_apart_are_not_one_moving_line() -> None:
    far = (100, 50 + 2 * 200 + 1, 200, 30)  # more than twice its length away
    found = [[], [NAME], [far], [], [], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert boxes == [TimedBox(*NAME, 0, 50), TimedBox(*far, 25, 75)]


def test_a_line_read_longer_on_the_next_read_is_not_taken_for_moving() -> None:
    found = [[], [(100, 50, 120, 30)], [(100, 50, 200, 30)], [], [], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert [b.box for b in boxes] == [(100, 50, 200, 30)]  # held by the longer reading


def test_a_line_that_stays_but_is_read_in_parts_is_blacked_out_whole_all_along() -> None:
    first_word, second_word = (100, 50, 90, 30), (200, 50, 100, 30)  # faint: one word a read
    found = [[], [first_word], [second_word], [first_word], [first_word], []]

    boxes = track_lines(found, KEYFRAMES, 150)

    assert boxes == [TimedBox(100, 50, 200, 30, 0, 125)]  # both words, on every frame
    once_each = track_lines([[], [first_word], [first_word], [second_word], [], []], KEYFRAMES, 150)
    assert once_each == [TimedBox(100, 50, 200, 30, 0, 100)]  # a step one way, but in parts
