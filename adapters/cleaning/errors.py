"""The expected way for a piece of level 1 to give up: a reason code and a sentence."""

from __future__ import annotations

from domain.reasons import Reason


class LevelFailure(Exception):
    """Level 1 cannot finish for an expected reason; becomes ``LevelResult.failed``.

    Args:
        reason: the reason code (``Reason.OLLAMA_TIMEOUT``, ``Reason.VERIFICATION_FAILED``...).
        detail: one short human sentence, never patient data.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
