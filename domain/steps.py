"""What a command says about itself: the payload every transition event carries."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.reasons import Reason
from domain.rulebook import Level


@dataclass(frozen=True)
class Step:
    """Why and how a video moved.

    Attributes:
        reason: the reason code (``Reason.OLLAMA_UNAVAILABLE``, ``Reason.MASKED``...).
        detail: one short human sentence, never patient data.
        level: the level of the chain this step concerns, if any.
        seconds: how long the work behind this step took.
        versions: what ran (masking profile, OCR engine, model, ffmpeg...).
        output: the file this step produced or kept, if any.
        verification: the level's check of its own output (``passed``/``failed``), if any.
        patient_metadata: patient data read by level 1; stored only in encrypted events.
    """

    reason: Reason
    detail: str
    level: Level | None = None
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    output: str | None = None
    verification: str | None = None
    patient_metadata: dict[str, str | None] | None = field(default=None, repr=False)
