"""Which boxes to black out inside the image, and over which frames: lines tracked on keyframes.

Text inside the image is read on the output's keyframes only (at most a second apart). A line
found on some of them is blacked out from the last read keyframe where it was absent to the
next read keyframe where it is absent, both included: between two reads nothing is known, so
the boxes cover the whole interval. Boxes that overlap on consecutive read keyframes are one
line (a clock ticking, a banner, a line read in parts); their union is blacked out over the
joined range. So are two boxes alike in size a little apart, one where the other ended: a
line that moves. Between two reads of a moving line, the box holding both is blacked out (a
line moving straight stays inside it); before its first read and after its last, the box
holding it and where its speed takes it up to the nearest read without it; where it barely
moves, the boxes are one. Where a line came and went, frames are read every few frames
(``unseen_ends``), so those nearest reads are close; one of them missing the line may be the
OCR's miss, so it is gone only at the second, and a line read again at its place after two
missed reads was there between (``_bridges``). A line that cannot be followed from keyframe to
keyframe is blacked out over the whole video.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from adapters.video.frame_ranges import Range, as_text, merge

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

BOX_MARGIN_PX = 12  # blacked out around a line found: the candidate box hugs the letters
MAX_COVER = 0.2  # more of the image than this blacked out on one frame: not worth publishing
# A box that continues no line of the keyframe before continues a line that ended there when
# their widths and heights differ by at most ALIKE and they lie at most MAX_STEP times the
# larger side apart: a line that moves (scrolls, crawls) between reads.
ALIKE = 0.25
MAX_STEP = 2.0
# Consecutive pieces of a line are one box when that box is at most this much larger.
STAYED = 1.25
MAX_MISSED_READS = 2  # a line read again where it was after this many reads missed it: held


@dataclass(frozen=True)
class TimedBox:
    """A box blacked out over the frames ``first`` to ``last`` (inclusive)."""

    x: int
    y: int
    w: int
    h: int
    first: int
    last: int

    @property
    def box(self) -> Box:
        """``(x, y, w, h)``."""
        return self.x, self.y, self.w, self.h


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share at least one pixel."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def union(a: Box, b: Box) -> Box:
    """The smallest box holding both."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def widen(box: Box, margin: int, width: int, height: int) -> Box:
    """``box`` grown by ``margin`` on every side, kept inside a ``width x height`` frame."""
    x0, y0 = max(box[0] - margin, 0), max(box[1] - margin, 0)
    x1, y1 = min(box[0] + box[2] + margin, width), min(box[1] + box[3] + margin, height)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


@dataclass
class _Track:
    seen: dict[int, Box]  # read keyframe index -> the line's box there (consecutive indices)

    @property
    def first(self) -> int:
        return min(self.seen)

    @property
    def last(self) -> int:
        return max(self.seen)

    @property
    def box(self) -> Box:
        """Where the line was last seen."""
        return self.seen[self.last]

    def joined(self, other: _Track) -> _Track:
        seen = dict(self.seen)
        for index, box in other.seen.items():
            seen[index] = union(seen[index], box) if index in seen else box
        return _Track(seen)


def follow_lines(found: Sequence[Sequence[Box]]) -> list[_Track]:
    """The lines in ``found`` (boxes per read keyframe), each followed over the keyframes.

    A box on a keyframe continues the lines it overlaps or follows along their line on the
    keyframe before (all of them become one line). A box that continues none continues a
    line that ended there if the two are alike in size and no farther apart than
    ``MAX_STEP`` times it: a line that moves.
    """
    done: list[_Track] = []
    open_tracks: list[_Track] = []
    for index, boxes in enumerate(found):
        still: list[_Track] = []
        fresh: list[_Track] = []
        for box in boxes:
            joined = [t for t in open_tracks + still if _same_line(t.box, box)]
            track = _Track({index: box})
            for other in joined:
                track = track.joined(other)
                for pool in (open_tracks, still):
                    if other in pool:
                        pool.remove(other)
            (still if joined else fresh).append(track)
        for track in fresh:  # continues no line: a line that moved, or a new one
            moved = _nearest_alike(track.box, open_tracks)
            if moved is not None:
                open_tracks.remove(moved)
                track = moved.joined(track)
            still.append(track)
        done += open_tracks  # not seen on this keyframe: the line ended before it
        open_tracks = still
    return sorted(done + open_tracks, key=lambda t: (t.first, t.seen[t.first]))


def _same_line(a: Box, b: Box) -> bool:
    """Whether ``a`` and ``b`` overlap, or follow each other along a line as its words do.

    Along the line (the longer side) the boxes may be half a letter height apart: a line
    read in parts, a word on one keyframe and the next word on another, is one line.
    """
    pad = min(a[2], a[3]) // 2
    along = (pad, 0) if a[2] >= a[3] else (0, pad)
    return overlaps((a[0] - along[0], a[1] - along[1], a[2] + 2 * along[0], a[3] + 2 * along[1]), b)


def _nearest_alike(box: Box, tracks: Sequence[_Track]) -> _Track | None:
    """The track whose last box is the same size as ``box`` and nearest it, if near enough."""
    best, distance = None, float("inf")
    for track in tracks:
        (x, y, w, h), (bx, by, bw, bh) = track.box, box
        if abs(w - bw) > ALIKE * max(w, bw) or abs(h - bh) > ALIKE * max(h, bh) + 2:
            continue
        step = float(np.hypot(x + w / 2 - bx - bw / 2, y + h / 2 - by - bh / 2))
        if step <= MAX_STEP * max(w, h, bw, bh) and step < distance:
            best, distance = track, step
    return best


def track_lines(
    found: Sequence[Sequence[Box]],
    numbers: Sequence[int],
    frames: int,
    unsure: Collection[int] = (),
) -> list[TimedBox]:
    """Join the lines found on read keyframes into boxes with frame ranges.

    Args:
        found: for each read keyframe, in order, the boxes of the lines to black out.
        numbers: the frame number of each read keyframe (same length as ``found``).
        frames: how many frames the video has.
        unsure: frames read only to say where a line was (``unseen_ends``): one of them not
            showing a line may have missed it (the OCR misses a line now and then), so the
            line is gone only at the second read in a row without it, or at the first
            other read without it.

    Returns:
        Per line, boxes over the frames from the read before its first sighting to the
        read after its last one (the video's ends where there is none; past one ``unsure``
        read without it). A line that stays has one box holding every sighting (read whole
        on one keyframe, in parts on another: all of it is blacked out all along). A line
        that moves one way at every read has, from one sighting up to the next, the box
        holding both; before the first and after the last, the box holding it and where its
        speed takes it up to the nearest read without it (seen twice, both sightings: a
        line read in parts looks like one step). A line read again at its place after two
        reads missed it has the box holding both sightings between them.

    """
    if len(found) != len(numbers):
        raise ValueError("every read keyframe needs its frame number")
    sure = [i for i, number in enumerate(numbers) if number not in unsure]
    tracks = follow_lines(found)
    timed = _bridges(tracks, numbers, sure)
    for track in tracks:
        boxes = [track.seen[i] for i in range(track.first, track.last + 1)]
        before = _gone(numbers, range(track.first - 1, -1, -1), unsure, 0)
        after = _gone(numbers, range(track.last + 1, len(numbers)), unsure, frames - 1)
        steps = [_step(b, a) for a, b in pairwise(boxes)]
        parts = any(_parts(a, b) for a, b in pairwise(boxes))
        if parts or not _moves(steps):  # it stays (read in parts, jittering): all, always
            held = boxes[0]
            for box in boxes[1:]:
                held = union(held, box)
            timed.append(TimedBox(*held, before, after))
            continue
        # how far it moves: at its speed, up to the first read without it
        first_miss = numbers[track.first - 1] if track.first > 0 else 0
        next_miss = numbers[track.last + 1] if track.last < len(numbers) - 1 else frames - 1
        lead = (numbers[track.first] - first_miss) / (
            numbers[track.first + 1] - numbers[track.first]
        )
        trail = (next_miss - numbers[track.last]) / (numbers[track.last] - numbers[track.last - 1])
        behind = _moved(boxes[0], _scaled(steps[0], lead), -1)
        ahead = _moved(boxes[-1], _scaled(steps[-1], trail), 1)
        if len(boxes) == 2:  # one step: perhaps a line read in parts; both, at either end
            behind, ahead = union(behind, boxes[1]), union(ahead, boxes[0])
        pieces = [TimedBox(*union(behind, boxes[0]), before, numbers[track.first] - 1)]
        pieces += [
            TimedBox(*union(a, b), numbers[i], numbers[i + 1] - 1)
            for i, (a, b) in enumerate(pairwise(boxes), start=track.first)
        ]
        pieces.append(TimedBox(*union(boxes[-1], ahead), numbers[track.last], after))
        timed += _joined_pieces([p for p in pieces if p.first <= p.last])
    return timed


def unseen_ends(
    found: Sequence[Sequence[Box]], numbers: Sequence[int], frames: int, stride: int
) -> list[int]:
    """The frames to read where no read says where a line was: every ``stride`` frames.

    Between a line's first sighting and the read before it, and between its last and the
    read after it (or the video's end), the line may have moved anywhere its motion took
    it: a crawl read last on a keyframe goes on for up to a keyframe gap, and one more step
    of the motion seen there (two reads a frame apart: barely a step) does not reach it.
    Read there every ``stride`` frames, its ends are known to within ``stride`` frames.
    ``found`` and ``numbers`` are as for ``track_lines``.
    """
    wanted: set[int] = set()
    last = len(numbers) - 1
    for track in follow_lines(found):
        if track.first > 0:
            shown, unseen = numbers[track.first], numbers[track.first - 1]
            wanted.update(range(shown - stride, unseen, -stride))
        unseen = numbers[track.last + 1] if track.last < last else frames
        wanted.update(range(numbers[track.last] + stride, unseen, stride))
    return sorted(wanted - set(numbers))


def _bridges(
    tracks: Sequence[_Track], numbers: Sequence[int], sure: Sequence[int]
) -> list[TimedBox]:
    """Boxes over the gap between two sightings of a line at one place, missed in between.

    A faint line read in parts is missed on some reads and read again where it was: when
    at most ``MAX_MISSED_READS`` reads (of ``sure``) missed it, it was most likely there all
    along, and the box holding both sightings covers the frames between them.
    """
    bridges = []
    for a in tracks:
        for b in tracks:
            if b.first <= a.last or not overlaps(a.box, b.seen[b.first]):
                continue
            missed = sum(1 for i in sure if a.last < i < b.first)
            if 2 <= missed <= MAX_MISSED_READS:  # one miss: the boxes meet on it already
                both = union(a.box, b.seen[b.first])
                bridges.append(TimedBox(*both, numbers[a.last], numbers[b.first]))
    return bridges


def _gone(numbers: Sequence[int], reads: range, unsure: Collection[int], end: int) -> int:
    """The frame from which a line is gone, ``end`` when no read says so.

    Of ``reads`` (indexes, nearest first, none showing the line): the first that is not
    ``unsure``, or the second in a row.
    """
    for missed, index in enumerate(reads, start=1):
        if numbers[index] not in unsure or missed == 2:
            return numbers[index]
    return end


def _step(box: Box, previous: Box) -> tuple[int, int]:
    """How far the line moved from ``previous`` to ``box``: what both edges share, per axis.

    A line read longer or shorter has one edge still; a step no larger than
    ``BOX_MARGIN_PX`` is held by the margin and is none.
    """
    return (_shared(box[0] - previous[0], box[0] + box[2] - previous[0] - previous[2]),
            _shared(box[1] - previous[1], box[1] + box[3] - previous[1] - previous[3]))  # fmt: skip


def _shared(a: int, b: int) -> int:
    step = min(a, b) if a > 0 and b > 0 else max(a, b) if a < 0 and b < 0 else 0
    return step if abs(step) > BOX_MARGIN_PX else 0


def _parts(a: Box, b: Box) -> bool:
    """Whether ``a`` and ``b`` are parts of one line: apart, but one follows the other along it.

    A faint line is read word by word, one word on a keyframe and the next on another; a
    moving line's boxes overlap (it moved less than its size) or lie farther apart.
    """
    return not overlaps(a, b) and (_same_line(a, b) or _same_line(b, a))


def _moves(steps: Sequence[tuple[int, int]]) -> bool:
    """Whether a line with these steps moves: some step, and never back on either axis."""
    if not any(dx or dy for dx, dy in steps):
        return False
    return all(
        all(d >= 0 for d in axis) or all(d <= 0 for d in axis) for axis in zip(*steps, strict=True)
    )


def _scaled(step: tuple[int, int], times: float) -> tuple[int, int]:
    """``step`` made ``times`` as long (rounded away from zero): the same speed, longer."""
    return (int(np.copysign(np.ceil(abs(step[0]) * times), step[0])),
            int(np.copysign(np.ceil(abs(step[1]) * times), step[1])))  # fmt: skip


def _moved(box: Box, step: tuple[int, int], direction: int) -> Box:
    """``box`` moved on by ``step`` (``direction`` -1: back), kept off negative pixels."""
    x, y = box[0] + direction * step[0], box[1] + direction * step[1]
    left, top = max(x, 0), max(y, 0)
    return left, top, max(x + box[2] - left, 0), max(y + box[3] - top, 0)


def _joined_pieces(pieces: Sequence[TimedBox]) -> list[TimedBox]:
    """Consecutive pieces of one line as one box where it barely moved (a line that stays).

    The joined box may be at most ``STAYED`` times the smallest piece it holds: a line read
    every few frames moves little from one piece to the next, and joining each to a box
    that grew with every join (or to a piece that holds a longer way) would hold all its way.
    """
    joined, smallest = [pieces[0]], _area(pieces[0].box)
    for piece in pieces[1:]:
        held = joined[-1]
        both = union(held.box, piece.box)
        if _area(both) <= STAYED * min(smallest, _area(piece.box)):
            joined[-1] = TimedBox(*both, held.first, max(held.last, piece.last))
            smallest = min(smallest, _area(piece.box))
        else:
            joined.append(piece)
            smallest = _area(piece.box)
    return joined


def _area(box: Box) -> int:
    return box[2] * box[3]


def largest_cover(boxes: Sequence[TimedBox], inside: np.ndarray) -> tuple[float, int]:
    """The largest share of the image ``boxes`` black out on one frame, and that frame.

    ``inside`` is the image's uint8 mask, frame-sized. Coverage only grows where a box
    starts, so only those frames are looked at.
    """
    area = max(int(np.count_nonzero(inside)), 1)
    worst, at = 0.0, 0
    for frame in sorted({b.first for b in boxes}):
        cover = np.zeros(inside.shape, bool)
        for b in boxes:
            if b.first <= frame <= b.last:
                cover[b.y : b.y + b.h, b.x : b.x + b.w] = True
        share = int(np.count_nonzero(cover & (inside > 0))) / area
        if share > worst:
            worst, at = share, frame
    return worst, at


def frame_ranges(boxes: Sequence[TimedBox]) -> list[Range]:
    """The frames on which any of ``boxes`` is blacked out, as merged inclusive ranges."""
    return merge((b.first, b.last) for b in boxes)


def frames_text(boxes: Sequence[TimedBox]) -> str:
    """``a-b, c-d``: the frames on which any of ``boxes`` is blacked out."""
    return as_text(frame_ranges(boxes))


def describe(boxes: Sequence[TimedBox]) -> str:
    """``N box(es) over frames a-b, c-d`` for events (no text, no positions)."""
    return f"{len(boxes)} box(es) over frames {frames_text(boxes)}" if boxes else "0 box(es)"
