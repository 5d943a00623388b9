"""The status badge a user sees next to a video."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.reasons import clause_of


class Colour(StrEnum):
    """Badge colours."""

    GREEN = "green"
    ORANGE = "orange"
    GREY = "grey"
    RED = "red"


@dataclass(frozen=True)
class Badge:
    """Text, colour and, for raw videos, the warning to show."""

    text: str
    colour: Colour
    warning: str | None = None


ANONYMIZED = "Anonymized"
RAW = "Raw (Not Anonymized)"
PROCESSING = "Processing"
FAILED = "Import failed"


def badge_for(state: str, anonymized: bool, reasons: list[str]) -> Badge:
    """The badge of a video in ``state``; ``reasons`` are the codes of the levels that fell back.

    The warning says them in plain words (an unknown old code is shown as itself).
    """
    if state == "failed":
        return Badge(FAILED, Colour.RED)
    if state != "archived":
        return Badge(PROCESSING, Colour.GREY)
    if anonymized:
        return Badge(ANONYMIZED, Colour.GREEN)
    why = f"because {' and '.join(map(clause_of, reasons))}" if reasons else "for an unknown reason"
    warning = f"This video was imported without anonymization {why}. Please review before sharing."
    return Badge(RAW, Colour.ORANGE, warning)
