"""A quick look at a file as a video: header, first frame, last frame. Never a full decode."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from domain.ports import Probe
from domain.reasons import Reason

if TYPE_CHECKING:
    import cv2

log = logging.getLogger(__name__)

# Refused from the header, before a frame is decoded or allocated: beyond 8K a single frame
# could take gigabytes, and a frame rate outside this range is a broken or hostile header.
MAX_SIDE_PX = 8192
MIN_FPS, MAX_FPS = 1.0, 240.0


def _unreadable(reason: Reason, detail: str) -> Probe:
    return Probe(readable=False, reason=reason, detail=detail)


#: Leading bytes of containers whose frame count comes from an index of every frame (MP4/MOV
#: ``ftyp``/``moov``/``mdat``/``free``/``wide`` boxes, Matroska/WebM, AVI). Only for these does
#: a demuxed last packet vouch for a complete file; MPEG-TS and raw streams estimate their frame
#: count from size and duration, so for them the last frame is decoded (tests/integration/
#: test_probe.py cuts each kind).
_INDEXED_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
_MATROSKA = b"\x1a\x45\xdf\xa3"


def indexed_container(path: str) -> bool:
    """Whether ``path`` starts like an MP4/MOV, Matroska/WebM or AVI file."""
    try:
        with open(path, "rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return (
        head[4:8] in _INDEXED_BOXES
        or head.startswith(_MATROSKA)
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
    )


def last_packet_present(path: str, declared: int) -> bool:
    """Tell whether the packets up to the last declared frame are in the file, decoding none.

    OpenCV's raw mode (``CAP_PROP_FORMAT=-1``) demuxes without decoding: a seek lands on the
    last keyframe, and the packets from there must reach the last declared frame. Costs
    milliseconds where decoding the last GOP costs a second of a 1080p video; a truncated file
    stops short of the declared frame. False whenever anything is unclear (then the caller
    decodes the last frame instead).

    """
    import cv2

    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    try:
        if not capture.isOpened() or int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) != declared:
            return False
        if not capture.set(cv2.CAP_PROP_POS_FRAMES, declared - 1):
            return False
        last = -1.0
        while capture.grab():  # packets only, at most one GOP's worth
            last = max(last, capture.get(cv2.CAP_PROP_POS_FRAMES))
        return last >= declared - 1
    finally:
        capture.release()


def last_frame_decodes(capture: cv2.VideoCapture, declared: int) -> bool:
    """Tell whether the last declared frame can be decoded.

    On a truncated file OpenCV's seek lands on the last decodable frame and still reports
    success, so the position after the read is what tells: it must be past the end. Called
    after the first frame was read: in a one-frame video that one is the last (a seek back to
    it fails).

    """
    import cv2

    if capture.get(cv2.CAP_PROP_POS_FRAMES) >= declared:  # the frame just read was the last
        return True
    capture.set(cv2.CAP_PROP_POS_FRAMES, declared - 1)
    ok, _ = capture.read()
    return bool(ok) and capture.get(cv2.CAP_PROP_POS_FRAMES) >= declared


class OpenCVProbe:
    """``VideoProbe`` with OpenCV: reads the header, the first and the last frame.

    Cost: opening, decoding the first frame, and demuxing the last GOP's packets (MP4/MOV,
    Matroska, AVI: the frames are indexed) or else decoding it.
    The file is opened read-only and never modified.
    """

    def probe(self, path: str) -> Probe:
        """Look at ``path``; never raises for bad content.

        Returns:
            ``Probe(readable=True, width=..., height=..., fps=..., frames=...)`` or a probe
            with reason ``empty_file``, ``not_a_video``, ``unsupported_dimensions``,
            ``unsupported_frame_rate``, ``no_frames`` or ``truncated_video``.

        """
        try:
            size = os.stat(path).st_size
        except OSError:
            return _unreadable(Reason.NOT_A_VIDEO, "The file does not exist or cannot be read.")
        if size == 0:
            return _unreadable(Reason.EMPTY_FILE, "The file is empty (0 bytes).")
        import cv2  # imported here: commands that probe nothing start without OpenCV

        capture = cv2.VideoCapture(path)
        try:
            return self._look(capture, path)
        except cv2.error as err:  # bad content must not escape as an exception
            log.debug("OpenCV failed while probing: %s", err.code)
            return _unreadable(Reason.NOT_A_VIDEO, "OpenCV failed while reading the file.")
        finally:
            capture.release()

    def _look(self, capture: cv2.VideoCapture, path: str) -> Probe:
        from adapters.video.opencv_frames import info_of

        if not capture.isOpened():
            return _unreadable(Reason.NOT_A_VIDEO, "The file cannot be opened as a video.")
        info = info_of(capture)
        if info.width > MAX_SIDE_PX or info.height > MAX_SIDE_PX:
            return _unreadable(
                Reason.UNSUPPORTED_DIMENSIONS,
                f"The video declares {info.width}x{info.height} pixels; "
                f"at most {MAX_SIDE_PX}x{MAX_SIDE_PX} is supported.",
            )
        if 0 < info.fps < MIN_FPS or info.fps > MAX_FPS:
            return _unreadable(
                Reason.UNSUPPORTED_FRAME_RATE,
                f"The video declares {info.fps:g} fps; {MIN_FPS:g} to {MAX_FPS:g} is supported.",
            )
        if info.frames <= 0 < info.width and capture.read()[0]:
            return _unreadable(
                Reason.NO_FRAMES,
                "The file holds a picture but declares no frame count: a still image or a raw "
                "stream without a container, not a video.",
            )
        if info.width <= 0 or info.height <= 0 or info.fps <= 0 or info.frames <= 0:
            return _unreadable(
                Reason.NO_FRAMES,
                f"The video declares {info.frames} frames of {info.width}x{info.height} "
                f"at {info.fps:g} fps.",
            )
        first_ok, _ = capture.read()
        if not first_ok:
            return _unreadable(
                Reason.TRUNCATED_VIDEO,
                f"The header declares {info.frames} frames but the first cannot be decoded.",
            )
        complete = (indexed_container(path) and last_packet_present(path, info.frames)) or (
            last_frame_decodes(capture, info.frames)
        )
        if not complete:
            return _unreadable(
                Reason.TRUNCATED_VIDEO,
                f"The header declares {info.frames} frames but the last cannot be decoded.",
            )
        return Probe(
            readable=True,
            width=info.width,
            height=info.height,
            fps=info.fps,
            frames=info.frames,
        )
