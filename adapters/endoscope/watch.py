"""Every input frame, watched while it is masked, so that no frame escapes the samples.

What level 2 blacks out whole is decided before the masking pass: on samples, and, when
those showed a frame without an endoscope image, on every frame (``adapters.endoscope.blanks``).
A registration screen shown for a few frames between two samples is seen by neither. So the
masking pass also hands a tiny colour copy of every *input* frame (split off before the mask,
``adapters.masking.encode``) to a ``FrameWatch``, which classifies it as the per-frame pass
does: a lit surround, or an image that shows a scene instead of endoscopy. Frames it flags
that the plan did not black out are blacked out by a second encode.

Text that appears inside the image between two keyframes (a line shown for half a second,
a dark screen with white letters, a fade) is never read there: the reading runs on the
encoder's keyframes. The watch marks the frames where something appears or vanishes in one
step (``onsets``: tiny pixels that held their value over the two frames before, jump by
``JUMP_LEVEL`` and hold the new value over the two frames after), so that the next encode
forces a keyframe on each and reads it. Tissue moves smoothly and a specular highlight moves
on: neither holds still on both sides of a jump. An instrument pushed in or pulled back
does, at its tip and edges, on every frame it moves; there the new colour was within
``MOVED_REACH`` tiny pixels in the frame before and the old one still is in the frame of
the jump (``adapters.endoscope.motion``), so those pixels moved and do not count. A line
that fades in and out without a step is looked for by colour, a picture shown briefly (a
face swept over) by brightness (``adapters.endoscope.fades``); the middle frame of each is
read too.

The same copies tell whether the region cuts the image: pixels of the surround that are lit
and change from frame to frame over most of the video are a live picture the region left
out (a second view beside the first). A still thumbnail or a ticking clock changes seldom
or covers a few pixels; ``cut_share`` measures the first against the region's own size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import cv2
import numpy as np

from adapters.endoscope.blanks import SURROUND_LEVEL, View, shows_no_image
from adapters.endoscope.fades import BriefLines, BriefScenes
from adapters.endoscope.motion import found_nearby
from adapters.endoscope.region import Region
from adapters.endoscope.scene import Reference
from adapters.endoscope.segments import Segment
from adapters.endoscope.surround import lowered
from adapters.video.frame_ranges import Range, covers, merge

MOVING_LEVEL = 2.0  # mean grey change between frames (tiny copy) of a live picture's pixel
MIN_LIT_SHARE = 0.5  # of the frames shown: a picture left out is lit in most of them
JUMP_LEVEL = 25  # grey change of a tiny pixel from one frame to the next: something appeared
HOLD_LEVEL = 12  # ... held before and after: it changes less than this over two frames
MIN_JUMP_PIXELS = 6  # tiny pixels (a short line of 22-px text at 960 px covers ~10)
MOVED_REACH = 3  # tiny pixels: the colours on both sides of a jump this close moved there
MAX_CUT_SHARE = 0.05  # of the region's size: a live picture left out beyond this cuts it


class FrameWatch:
    """Classifies the tiny BGR copies of a video's frames, in order, as they are encoded.

    Args:
        region: the region that masks every frame, or the common one when ``segments``.
        segments: when the image changes, the region of each stretch of frames.
        reference: the video's own endoscopy (None: the surround alone is judged).
        size: ``(w, h)`` of the tiny copies.
        gap: frames between the keyframes the inside reading reads.
        surround: the grey of the surround's black; every copy is lowered by it first.

    """

    def __init__(
        self,
        region: Region,
        segments: Sequence[Segment],
        reference: Reference | None,
        size: tuple[int, int],
        gap: int = 25,
        surround: int = 0,
    ) -> None:
        self.size = size
        self._surround = surround
        self.frames = 0
        self._reference = reference
        views = [View.of(s.region, size) for s in segments]  # once a segment, not a range
        self._stretches = [(start, end, view) for s, view in zip(segments, views, strict=True)
                           for start, end in s.ranges]  # fmt: skip
        self._views = [View.of(region, size), *views]
        self._outside = View.common(self._views).surround  # where no region's image is
        self._flagged: list[int] = []
        self._onsets: list[int] = []
        self._fades = BriefLines(gap)
        self._scenes = BriefScenes(gap)
        self._recent: deque[np.ndarray] = deque(maxlen=5)  # the last greys, flagged or not
        self._colours: deque[np.ndarray] = deque(maxlen=5)  # ... and their tiny copies
        self._shown = 0
        self._pairs = 0  # of shown frames one after the other
        self._change = np.zeros(self._outside.shape, np.float32)
        self._lit = np.zeros(self._outside.shape, np.uint32)

    def add(self, tiny: np.ndarray) -> None:
        """Take the next frame's tiny copy (``h x w x 3`` BGR)."""
        frame, self.frames = self.frames, self.frames + 1
        tiny = lowered(tiny, self._surround)
        grey = cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY)
        view = self._view(frame)
        self._recent.append(grey)
        self._colours.append(tiny)
        if len(self._recent) == self._recent.maxlen:  # frame - 2 has two frames on each side
            self._look_for_onset(frame - 2)
        before_shown = frame > 0 and not (self._flagged and self._flagged[-1] == frame - 1)
        self._fades.add(tiny, ~view.surround)
        self._scenes.add(grey, view.inside)
        if shows_no_image(tiny, grey, view, self._reference):
            self._flagged.append(frame)
            return
        self._shown += 1
        self._lit += grey > SURROUND_LEVEL
        if before_shown:  # the frame before, shown too: how much the picture changed
            self._change += cv2.absdiff(grey, self._recent[-2]).astype(np.float32)
            self._pairs += 1

    def _look_for_onset(self, frame: int) -> None:
        earlier, before, at, after, later = self._recent
        jumped = cv2.absdiff(at, before) >= JUMP_LEVEL
        jumped &= cv2.absdiff(earlier, before) < HOLD_LEVEL
        for held in (after, later):
            jumped &= cv2.absdiff(held, at) < HOLD_LEVEL
        jumped &= ~self._view(frame).surround
        if np.count_nonzero(jumped) < MIN_JUMP_PIXELS:
            return
        was, now = self._colours[1], self._colours[2]
        came = found_nearby(jumped, now, (was,), MOVED_REACH)  # the new colour was next to it
        jumped &= ~(came & found_nearby(jumped, was, (now,), MOVED_REACH))  # the old one stays
        if np.count_nonzero(jumped) >= MIN_JUMP_PIXELS:
            self._onsets.append(frame)

    def _view(self, frame: int) -> View:
        for start, end, view in self._stretches:
            if start <= frame <= end:
                return view
        return self._views[0]

    def flagged(self) -> list[Range]:
        """The frames seen without an endoscope image, as merged inclusive ranges."""
        return merge((frame, frame) for frame in self._flagged)

    def unplanned(self, blank: Sequence[Range]) -> list[Range]:
        """The flagged frames outside ``blank`` (frames the plan would have shown)."""
        missed = [f for f in self._flagged if not covers(blank, f)]
        return merge((frame, frame) for frame in missed)

    def onsets(self) -> list[int]:
        """The frames where something sharp appeared or vanished in the image, in order."""
        return list(self._onsets)

    def peaks(self) -> list[int]:
        """The frames where a line, or another picture, shown briefly shows the most."""
        return sorted({*self._fades.peaks(), *self._scenes.peaks()})

    def cut_share(self) -> float:
        """The live picture seen outside every region, as a share of the region's size."""
        if self._pairs == 0:
            return 0.0
        moving = self._change / self._pairs >= MOVING_LEVEL
        lit = self._lit >= MIN_LIT_SHARE * self._shown
        left_out = int(np.count_nonzero(moving & lit & self._outside))
        return left_out / max(int(np.count_nonzero(self._views[0].inside)), 1)
