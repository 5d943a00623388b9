"""An independent judge of anonymized frames: Debian's Tesseract, an OCR endoveil never uses.

The product reads text with RapidOCR; if its tests judged outputs with the same engine, a blind
spot of that engine (a font, a colour, a size it misses) would pass its own test. Tesseract
(``tesseract-ocr`` with the German and English models, installed by ``scripts/system-packages``)
reads each judged frame twice: whole (``--psm 11``, sparse text) and upscaled 2x with a cubic
filter, which finds small text the first pass misses (see ``shared/VIDEO-NOTES.md``).

A secret (a name, a birth date, an exam time) counts as readable when one of its tokens of four
or more characters is found, after folding case and umlauts (RapidOCR and Tesseract read "ü" as
"u" or "ue") and dropping punctuation, as a substring of what Tesseract read or within one edit
of a word it read. Dates and times are also compared digits-only, so ``12.03.1955`` is found in
``12-03-1955`` or ``12031955``.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher

import cv2
import numpy as np

_FOLDS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e"})
_MIN_TOKEN = 4
_NEAR = 0.85  # a token at least this similar to a word read counts as read (one slip in ~7)


@functools.cache
def tesseract() -> str:
    """The ``tesseract`` executable; a missing one is a failed test set-up, not a skip."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise RuntimeError("tesseract is not installed: run `bash scripts/system-packages`")
    return exe


def _ocr(image: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("could not encode a frame for tesseract")
    result = subprocess.run(
        [tesseract(), "stdin", "stdout", "-l", "deu+eng", "--psm", "11"],
        input=png.tobytes(),
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one core each: read side by side
    )
    return result.stdout.decode("utf-8", "replace")


@functools.cache
def _readers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="tesseract")


def read_all(images: Sequence[np.ndarray]) -> list[str]:
    """What Tesseract reads in each of ``images``, one process per core side by side.

    Tesseract's own threads fight over small pictures (a crop read took a third longer on
    two cores than with one thread); separate processes do not.
    """
    return list(_readers().map(_ocr, images))


def text_views(frame: np.ndarray) -> list[np.ndarray]:
    """What ``read_text`` reads: the frame, and the frame upscaled 2x."""
    return [frame, cv2.resize(frame, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)]


def read_text(frame: np.ndarray) -> str:
    """Everything Tesseract reads in ``frame``: the whole frame, then the frame upscaled 2x."""
    return "\n".join(read_all(text_views(frame)))


def faint_view(crop: np.ndarray) -> np.ndarray:
    """``crop`` with faint light ink made plain, for Tesseract to read.

    A white overlay at a sixth of full opacity is plain to the eye over tissue but too faint
    for Tesseract as it is: a white top-hat (11 px) stretched to its 97th percentile (never
    less than 12 levels, so noise alone is not made ink), inverted, upscaled 2x.
    """
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    top = cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, kernel).astype(np.float32)
    stretch = max(float(np.percentile(top, 97)), 12.0)
    ink = 255 - np.clip(top / stretch * 255, 0, 255).astype(np.uint8)
    return cv2.resize(ink, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)


def fold(text: str) -> str:
    """Lower case, umlauts folded to plain letters, only letters, digits and spaces left."""
    folded = text.lower().replace("ue", "u").replace("oe", "o").replace("ae", "a")
    folded = folded.translate(_FOLDS)
    return re.sub(r"[^0-9a-z]+", " ", folded).strip()


def _tokens(secret: str) -> list[str]:
    tokens = [t for t in fold(secret).split() if len(t) >= _MIN_TOKEN]
    digits = re.sub(r"\D", "", secret)
    if len(digits) >= 6:  # a date or a time: its digits in any punctuation
        tokens.append(digits)
    return tokens


def _found(token: str, words: list[str], squashed: str) -> bool:
    if token in squashed:
        return True
    return any(
        abs(len(word) - len(token)) <= 1 and SequenceMatcher(None, word, token).ratio() >= _NEAR
        for word in words
    )


def readable(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets of which a token can be read in ``text`` (what Tesseract read)."""
    folded = fold(text)
    words = folded.split()
    squashed = folded.replace(" ", "")
    return [s for s in secrets if any(_found(t, words, squashed) for t in _tokens(s))]


def sampled_frames(path: str, count: int = 4) -> Iterator[tuple[int, np.ndarray]]:
    """``count`` frames spread evenly over the video at ``path`` (index, BGR frame)."""
    capture = cv2.VideoCapture(path)
    try:
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if total <= 0:
            raise RuntimeError("the judged video has no frames")
        wanted = sorted({round(i * (total - 1) / max(count - 1, 1)) for i in range(count)})
        index = 0
        for target in wanted:
            while index <= target:
                ok, frame = capture.read()
                if not ok:
                    return
                index += 1
            yield target, frame
    finally:
        capture.release()


def leaks_in_video(path: str, secrets: Iterable[str], count: int = 4) -> dict[int, list[str]]:
    """For each sampled frame in which a secret is readable, the secrets read there."""
    wanted = list(secrets)
    found: dict[int, list[str]] = {}
    for index, frame in sampled_frames(path, count):
        seen = readable(read_text(frame), wanted)
        if seen:
            found[index] = seen
    return found
