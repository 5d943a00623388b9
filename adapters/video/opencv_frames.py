"""Streaming frames out of a video with OpenCV, never holding the whole file in memory."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

_END = object()


class UnreadableVideo(Exception):
    """OpenCV cannot open the file as a video."""


@dataclass(frozen=True)
class VideoInfo:
    """What the container header declares."""

    width: int
    height: int
    fps: float
    frames: int


@contextlib.contextmanager
def open_capture(path: str) -> Iterator[cv2.VideoCapture]:
    """Open ``path`` as a ``cv2.VideoCapture`` that is released on exit.

    Raises:
        UnreadableVideo: OpenCV cannot open ``path``.

    """
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise UnreadableVideo("OpenCV cannot open the file as a video")
        yield capture
    finally:
        capture.release()


def info_of(capture: cv2.VideoCapture) -> VideoInfo:
    """Read the header of an opened capture (frame count as declared, not as decodable)."""
    return VideoInfo(
        width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        fps=float(capture.get(cv2.CAP_PROP_FPS)),
        frames=max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT))),
    )


def read_info(path: str) -> VideoInfo:
    """Read the header of ``path``.

    Raises:
        UnreadableVideo: OpenCV cannot open ``path``.

    """
    with open_capture(path) as capture:
        return info_of(capture)


def iter_frames(path: str, queue_size: int = 4) -> Generator[np.ndarray, None, None]:
    """Yield the decodable frames of ``path`` (BGR uint8), decoding in a reader thread.

    Decoding overlaps with whatever the consumer does. At most ``queue_size`` frames wait
    in memory. If the consumer stops early (``break``, exception, ``close()``), the reader
    thread is told to stop and joined before the generator finishes: no thread leaks.

    Raises:
        UnreadableVideo: OpenCV cannot open ``path``.

    """
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        capture.release()
        raise UnreadableVideo("OpenCV cannot open the file as a video")
    frames: queue.Queue[object] = queue.Queue(maxsize=queue_size)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                frames.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            while not stop.is_set():
                ok, frame = capture.read()
                if not ok or not offer(frame):
                    break
        except BaseException as err:  # handed to the consumer, re-raised there
            offer(err)
        finally:
            capture.release()
            offer(_END)

    reader = threading.Thread(target=read, name="endoveil-frame-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = frames.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, np.ndarray)
            yield item
    finally:
        stop.set()
        reader.join()


def count_and_sample(path: str, wanted: set[int]) -> tuple[int, dict[int, np.ndarray]]:
    """Decode every frame of ``path`` (``grab`` only), keeping those whose index is wanted.

    ``grab`` skips the colour conversion, so counting is cheaper than ``read``.

    Raises:
        UnreadableVideo: OpenCV cannot open ``path``.

    """
    kept: dict[int, np.ndarray] = {}
    count = 0
    with open_capture(path) as capture:
        while capture.grab():
            if count in wanted:
                ok, frame = capture.retrieve()
                if ok:
                    kept[count] = frame
            count += 1
    return count, kept
