"""Deterministic rules: a second opinion on every text line, independent of the model.

A line stays visible only when the model *and* these rules agree it is not patient data.
The rules are deliberately suspicious: dates, times, digit runs and name-like words count
as patient data unless the line is a known device label. A word is name-like unless it is
in :data:`HARMLESS_WORDS`, whatever its case: OCR reads a name in a crop as ``jurgen`` as
readily as ``Jurgen``, and a processor may write it in capitals.
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
_FOLDS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_NAME_PAIR = re.compile(r"^\s*[^\W\d_][\w'-]+\s*,\s*[^\W\d_][\w'-]+")
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Words a processor screen shows that are no one's name: brands, modes, units, labels.
_HARMLESS = """
evis exera lucera elite olympus pentax fujifilm fujinon optivista imagina eluxeo
zoom freeze near far nbi bli lci fice iscan enh enhance str eq ct ir sp af hd sd
ii iii iv video processor light source air water auto manual peak average avg
color colour contrast gain shutter mode
"""
HARMLESS_WORDS = frozenset(_HARMLESS.split())
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
    if _DEVICE.match(text):  # a model code ("EPK-i7000") may hold letters; no other word may
        codes_removed = " ".join(t for t in text.split() if not _DIGITS.search(t))
        return "patient_name" if name_like_words(codes_removed) else "device_info"
    if _NAME_PAIR.match(text) or name_like_words(text) or _DIGITS.search(text):
        return "patient_name"  # name-like words or an unexplained number: assume the worst
    return "other"


def fold(text: str) -> str:
    """Lower case with umlauts folded (RapidOCR reads "ü" as "u"): the form words compare in."""
    return text.lower().translate(_FOLDS)


def name_like_words(text: str) -> list[str]:
    """The words of ``text`` that could be a name: any word not in :data:`HARMLESS_WORDS`."""
    return [w for w in _WORD.findall(fold(text)) if w not in HARMLESS_WORDS]


def keep_visible(model_category: str | None, text: str) -> bool:
    """Whether a line may stay readable: both the model and the rules say it is harmless."""
    if model_category not in VISIBLE_CATEGORIES:
        return False
    return rule_category(text) in VISIBLE_CATEGORIES


def patient_tokens(text: str) -> set[str]:
    """Pieces of a patient line that must not be readable in the output (for verification).

    Folded words of three letters or more, and every run of four digits or more (a year
    survives whatever separator OCR reads around it; shorter runs are left to the date and
    time patterns, which :func:`rule_category` applies to every line read).
    """
    words = set(re.findall(r"[^\W\d_]{3,}", fold(text)))
    return words | set(re.findall(r"\d{4,}", text))
