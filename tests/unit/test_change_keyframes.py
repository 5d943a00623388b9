"""Which frames the next encode reads because something appeared between two keyframes."""

from __future__ import annotations

import numpy as np
import pytest

from adapters.masking.inside_text import InsideReading
from adapters.masking.passes import MAX_CHANGE_KEYFRAMES, Pass, frames_to_read
from adapters.masking.verify import Verification
from domain.ports import LevelFailure
from domain.reasons import Reason
from tests.unit.test_frame_watch import _endoscopy, _watch


def _first_pass(frames: int, shown: set[int], hop: int = 0) -> Pass:
    """A first encode of ``frames`` frames, keyframes every 12, a line shown on ``shown``.

    With ``hop``, the line moves to another row every ``hop`` frames.
    """
    rng = np.random.default_rng(4)
    watch, tissue = _watch(), _endoscopy(rng)
    for index in range(frames):
        frame = tissue.copy()
        if index in shown:
            row = 20 + 4 * (index // hop % 3) if hop else 27
            frame[row, 20:32] = 255
        watch.add(frame)
    keyframes = list(range(0, frames, 12))
    return Pass(
        frames, Verification(len(keyframes), 0, 0), [], watch, keyframes, [], InsideReading()
    )


def test_both_sides_of_each_step_are_read_next_but_not_keyframes_or_blanked_frames() -> None:
    first = _first_pass(60, {30, 31, 32})  # steps at 30 (appears) and 33 (vanishes)

    # 32: the last frame that shows it; 31: the middle of a line shown briefly (a fade's peak)
    assert frames_to_read(first, []) == [29, 30, 31, 32, 33]
    assert frames_to_read(first, [(28, 35)]) == []
    on_keyframe = _first_pass(60, {33, 34, 35})  # vanishes at 36, a keyframe of its own
    assert frames_to_read(on_keyframe, []) == [32, 33, 34, 35]


def test_a_video_that_jumps_on_too_many_frames_is_refused_as_unsure() -> None:
    frames = 5 * MAX_CHANGE_KEYFRAMES
    first = _first_pass(frames, set(range(1, frames)), hop=3)  # a line moving every 3 frames

    with pytest.raises(LevelFailure) as refused:
        frames_to_read(first, [])

    assert refused.value.reason == Reason.TEXT_INSIDE_IMAGE
