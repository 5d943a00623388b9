"""The canary's judge: Debian's Tesseract, an OCR the masking path never uses.

Level 2 verifies its own output with RapidOCR; a judge with the same engine would share its
blind spots. Tesseract reads a few frames spread over the output, whole and upscaled 2x; a
secret counts as readable when one of its tokens (four or more characters, case and umlauts
folded; dates also digits-only) appears in what it read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from difflib import SequenceMatcher

import cv2
import numpy as np

_FOLDS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


class JudgeUnavailable(Exception):
    """Tesseract is not installed (``scripts/system-packages`` installs it)."""


def judge_version() -> str:
    """``tesseract <version>``; raises ``JudgeUnavailable`` when it is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise JudgeUnavailable("tesseract is not installed")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip()


def _read(image: np.ndarray) -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise JudgeUnavailable("tesseract is not installed")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise JudgeUnavailable("a frame could not be encoded for tesseract")
    done = subprocess.run(
        [exe, "stdin", "stdout", "-l", "deu+eng", "--psm", "11"],
        input=png.tobytes(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    return done.stdout.decode("utf-8", "replace")


def fold(text: str) -> str:
    """Lower case, umlauts folded, only letters, digits and single spaces left."""
    folded = text.lower().replace("ue", "u").replace("oe", "o").replace("ae", "a")
    return re.sub(r"[^0-9a-z]+", " ", folded.translate(_FOLDS)).strip()


def _near(token: str, words: list[str]) -> bool:
    """A word read with one slip in about seven letters still counts as the token."""
    return any(
        abs(len(w) - len(token)) <= 1 and SequenceMatcher(None, w, token).ratio() >= 0.85
        for w in words
    )


def readable(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets of which a token can be found (or nearly found) in ``text``."""
    words = fold(text).split()
    squashed = "".join(words)
    digits = re.sub(r"\D", "", text)
    found = []
    for secret in secrets:
        tokens = [t for t in fold(secret).split() if len(t) >= 4]
        number = re.sub(r"\D", "", secret)
        if any(t in squashed or _near(t, words) for t in tokens) or (
            len(number) >= 6 and number in digits
        ):
            found.append(secret)
    return found


def leaks_in_video(path: str, secrets: Iterable[str], frames: int = 3) -> list[str]:
    """The secrets readable in any of ``frames`` frames spread over the video at ``path``."""
    wanted, leaked = list(secrets), set()
    capture = cv2.VideoCapture(path)
    try:
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        for target in sorted({round(i * (total - 1) / max(frames - 1, 1)) for i in range(frames)}):
            capture.set(cv2.CAP_PROP_POS_FRAMES, target)
            ok, frame = capture.read()
            if not ok:
                continue
            big = cv2.resize(frame, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
            leaked.update(readable(_read(frame) + "\n" + _read(big), wanted))
    finally:
        capture.release()
    return sorted(leaked)
