"""An image that changes mid-video: samples grouped by outline, frames given their region."""

from __future__ import annotations

import cv2
import numpy as np

from adapters.endoscope.region import Region
from adapters.endoscope.segments import (
    MIN_RUN,
    Segment,
    assign,
    common_inside,
    group_by_outline,
    lit_pixels,
    plan_segments,
)
from adapters.masking.encode import filter_graph, keyframe_rule
from adapters.video.opencv_frames import VideoInfo

WIDTH, HEIGHT = 960, 540
TINY = (96, 54)


def circle(cx: int, cy: int, r: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> np.ndarray:
    mask = np.zeros((size[1], size[0]), np.uint8)
    cv2.circle(mask, (cx, cy), r, 255, -1)
    return mask


def region(mask: np.ndarray) -> Region:
    x, y, w, h = cv2.boundingRect(mask)
    return Region(mask, (x, y, w, h), f"circle {w}", rectangle=False)


BIG, SMALL = region(circle(530, 270, 250)), region(circle(530, 270, 200))
LEFT, RIGHT = region(circle(300, 270, 240)), region(circle(660, 270, 240))


def tiny_grey(mask: np.ndarray, level: int = 120, text: bool = True) -> np.ndarray:
    """A tiny grey frame showing an image where ``mask`` is, text specks in the surround."""
    grey = cv2.resize(np.where(mask > 0, level, 0).astype(np.uint8), TINY, cv2.INTER_AREA)
    if text:
        grey[3, 2:20] = 200  # a line of text: one tiny pixel high
    return grey


def insides(*regions: Region) -> list[np.ndarray]:
    return [cv2.resize(r.mask, TINY, interpolation=cv2.INTER_AREA) > 127 for r in regions]


def test_samples_are_grouped_by_the_image_they_show_and_dark_ones_join_none() -> None:
    big, small = tiny_grey(BIG.mask), tiny_grey(SMALL.mask)
    dark = tiny_grey(BIG.mask, level=5)
    samples = [big, big, dark, small, big, small, small, small]

    assert group_by_outline(samples) == [[3, 5, 6, 7], [0, 1, 4]]
    assert group_by_outline([big, tiny_grey(BIG.mask, text=False)]) == [[0, 1]]


def test_a_frame_gets_the_region_it_shows_a_dark_one_the_smaller() -> None:
    regions = insides(BIG, SMALL)

    assert assign(lit_pixels(tiny_grey(BIG.mask)), regions) == 0
    assert assign(lit_pixels(tiny_grey(SMALL.mask)), regions) == 1
    assert assign(lit_pixels(tiny_grey(BIG.mask, level=5)), regions) == 1
    sideways = insides(LEFT, RIGHT)
    assert assign(lit_pixels(tiny_grey(RIGHT.mask)), sideways) == 1


def test_a_frame_between_two_images_is_unsure() -> None:
    # a dissolve from the left image to the right one shows both at once
    both = np.maximum(tiny_grey(LEFT.mask), tiny_grey(RIGHT.mask))

    assert assign(lit_pixels(both), insides(LEFT, RIGHT)) is None


def test_frames_become_segments_and_unsure_ones_keep_only_the_common_inside() -> None:
    labels: list[int | None] = [0] * 10 + [None] * 2 + [1] * 8 + [0] * (MIN_RUN - 1) + [1] * 8

    plan = plan_segments(labels, [BIG, SMALL], 30)

    assert [(s.region.description, s.ranges) for s in plan.segments] == [
        ("circle 501", ((0, 9),)),
        ("common inside of 2 regions", ((10, 11), (20, 21))),
        ("circle 401", ((12, 19), (22, 29))),
    ]
    assert plan.uncertain == ((10, 11), (20, 21))
    assert "switch could not be located (4 frames)" in plan.describe()
    common = plan.segments[1].region
    assert np.array_equal(common.mask > 0, (BIG.mask > 0) & (SMALL.mask > 0))


def test_frames_all_in_one_region_make_a_single_segment() -> None:
    plan = plan_segments([1] * 20, [BIG, SMALL], 24)  # the last frames are not classified

    assert plan.uncertain == ((20, 23),)
    single = plan_segments([1] * 24, [BIG, SMALL], 24)
    assert [(s.region, s.ranges) for s in single.segments] == [(SMALL, ((0, 23),))]


def test_the_graph_masks_each_segment_on_its_own_frames_only() -> None:
    info = VideoInfo(WIDTH, HEIGHT, 25.0, 40)
    rect = Region(np.zeros((HEIGHT, WIDTH), np.uint8), (100, 0, 700, HEIGHT), "rect", True)
    segments = [Segment(BIG, ((0, 19),)), Segment(rect, ((20, 29),)),
                Segment(common_inside([BIG, SMALL]), ((30, 39),))]  # fmt: skip

    graph = filter_graph(BIG, info, True, [(5, 6)], "", segments)

    assert graph.count("enable='between(n,0,19)'") == 5  # 4 boxes around the circle + corners
    assert graph.count("enable='between(n,20,29)'") == 2  # left and right of the rectangle
    assert "[seg0][1:v]overlay" in graph and "[seg2][2:v]overlay" in graph  # corner pictures
    assert "[3:v]" not in graph
    assert graph.endswith("enable='between(n,5,6)',format=yuv420p[out]")
    # one segment: the graph of its region alone, without enable
    assert filter_graph(BIG, info, True, (), "", segments[:1]) == filter_graph(BIG, info, True)
    assert "enable" not in filter_graph(BIG, info, True)


def test_each_segment_starts_on_a_keyframe() -> None:
    assert keyframe_rule(40) == "expr:eq(mod(n,12),0)+eq(n,39)"
    rule = keyframe_rule(40, starts=[0, 20, 30, 20])
    assert rule == "expr:eq(mod(n,12),0)+eq(n,39)+if(lt(n,30),eq(n,20),eq(n,30))"
