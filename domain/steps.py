"""What a command says about itself: the payload every transition event carries."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ports import LevelResult
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

    @classmethod
    def from_result(
        cls,
        result: LevelResult,
        level: Level,
        seconds: float,
        patient_metadata: dict[str, str | None] | None = None,
    ) -> Step:
        """The step that records what one level did (the one place a result becomes a step).

        Args:
            result: what the level returned.
            level: the level that ran.
            seconds: how long it ran.
            patient_metadata: what to store of the patient data the level read, already
                sealed by the caller (``result.patient_metadata`` is in clear and never
                copied here).

        The output is left to the caller: the result names a located file, the event a
        store location.
        """
        return cls(
            result.reason,
            result.detail,
            level,
            seconds,
            dict(result.versions),
            verification=result.verification,
            patient_metadata=patient_metadata,
        )
