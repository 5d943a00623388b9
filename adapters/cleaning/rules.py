"""Deterministic rules: a second opinion on every text line, independent of the model.

A line stays visible only when the model *and* these rules agree it is not patient data.
The rules are deliberately suspicious: dates, times, digit runs and name-like words count
as patient data unless the line is a known device label.
"""

from __future__ import annotations

import re

#: Categories the model may give a line; anything else counts as patient data.
CATEGORIES = ("patient_name", "birth_date", "exam_datetime", "device_info", "other")
PATIENT_CATEGORIES = frozenset({"patient_name", "birth_date", "exam_datetime"})
VISIBLE_CATEGORIES = frozenset({"device_info", "other"})

# OCR often drops spaces ("14.10.202516:11:05"), so no word boundary after the year.
_DATE = re.compile(r"(?<!\d)(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}")
_DIGITS = re.compile(r"\d")
_NAME_PAIR = re.compile(r"^\s*[^\W\d_][\w'-]+\s*,\s*[^\W\d_][\w'-]+")
_CAPITALISED = re.compile(r"(?<![\w-])[A-ZÄÖÜ][a-zäöüß]{1,}")
_DEVICE = re.compile(
    r"^\s*(?:(?:CV|CLV|GIF|CF|PCF|TJF|BF|EG|EC|EPK|VP)-?\s?[A-Z]{0,3}\d{2,4}[A-Z]{0,3}"
    r"|EVIS(?:\s+\w+)?|EXERA(?:\s+\w+)?|OLYMPUS|PENTAX|FUJIFILM|FUJINON)"
    r"(?:\s+(?:EVIS|EXERA|OLYMPUS|PENTAX|FUJIFILM|FUJINON|[A-Z]{2,4}-?\d{2,4}[A-Z]{0,3}))*\s*$",
    re.IGNORECASE,
)


def shape(text: str) -> str:
    """The text with digits masked and spaces squeezed: a ticking clock keeps its shape.

    Lines of one shape are classified once; the rules, not the model, read the digits.
    """
    return " ".join(_DIGITS.sub("#", text).split())


def rule_category(text: str) -> str:
    """What the rules alone make of ``text`` (one of :data:`CATEGORIES`)."""
    has_date, has_time = bool(_DATE.search(text)), bool(_TIME.search(text))
    if has_date and has_time:
        return "exam_datetime"
    if has_date:
        return "birth_date"
    if has_time:
        return "exam_datetime"
    if _DEVICE.match(text):
        return "device_info"
    if _NAME_PAIR.match(text) or _CAPITALISED.search(text) or _DIGITS.search(text):
        return "patient_name"  # name-like words or an unexplained number: assume the worst
    return "other"


def keep_visible(model_category: str | None, text: str) -> bool:
    """Whether a line may stay readable: both the model and the rules say it is harmless."""
    if model_category not in VISIBLE_CATEGORIES:
        return False
    return rule_category(text) in VISIBLE_CATEGORIES


def patient_tokens(text: str) -> set[str]:
    """Pieces of a patient line that must not be readable in the output (for verification)."""
    words = {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}
    dates = {m.group(1) for m in _DATE.finditer(text)}
    return words | dates


def looks_like_patient_data(text: str) -> bool:
    """Whether an OCR line read from an output frame still carries a date or a time."""
    return bool(_DATE.search(text) or _TIME.search(text))
