"""The review rulebook: whether an archived video may leave endoveil, and who decided.

Review is a second dimension of a video's state, beside the import chain: the chain says
*what* a video's output is, the release state says whether anyone may share it. Decisions are
events on the video's own stream (``Video.Reviewed``), each naming who decided (a reviewer's
token name, or the release policy) and why. One table says which decision may follow which,
like ``domain/rulebook.py`` does for the chain.

A decision concerns one run of the chain: it records the run number and, for anonymized
outputs, the SHA-256 of the output file. A reprocessing run starts a new run, so the video is
``undecided`` again until its new output is decided on (an unchanged output, same hash, keeps
its approval).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

from transitions import Machine

from domain.errors import TransitionNotAllowed
from domain.rulebook import Level, State

if TYPE_CHECKING:
    from domain.video import Video


class Release(StrEnum):
    """Whether an archived video may be shared."""

    UNDECIDED = "undecided"  # still in the chain, or an output archived and not yet decided on
    AWAITING_REVIEW = "awaiting_review"  # an anonymized output waiting for a human approval
    RELEASED = "released"  # may be exported (approved, or released by the ``auto`` policy)
    REJECTED = "rejected"  # kept from release; reprocess or erase it
    QUARANTINED = "quarantined"  # a raw copy (from its archive on) waiting for a decision
    RETAINED = "retained"  # a raw copy kept on purpose, with a written reason; never released
    ERASED = "erased"  # its unanonymized files were erased on a reviewer's decision


class Decision(StrEnum):
    """The commands of the review rulebook."""

    HOLD = "hold"  # the policy asks for a human approval
    AUTO_RELEASE = "auto_release"  # the ``auto`` policy releases a verified output
    APPROVE = "approve"
    REJECT = "reject"
    RETAIN = "retain"
    REPROCESS = "reprocess"
    ERASE = "erase"


class ReleasePolicy(StrEnum):
    """``ENDOVEIL_RELEASE_POLICY``: who releases anonymized outputs."""

    AUTO = "auto"  # outputs whose verification passed are released without a human
    REVIEW = "review"  # every output waits for a reviewer's approval


#: Decisions only a human gives (the others are the policy's, recorded by the pipeline).
HUMAN_DECISIONS: Final = frozenset(
    {Decision.APPROVE, Decision.REJECT, Decision.RETAIN, Decision.REPROCESS, Decision.ERASE}
)
#: Decisions about anonymized outputs, and about raw copies; nothing else is allowed.
FOR_ANONYMIZED: Final = frozenset(
    {Decision.HOLD, Decision.AUTO_RELEASE, Decision.APPROVE, Decision.REJECT, Decision.ERASE}
)
FOR_RAW_COPIES: Final = frozenset({Decision.RETAIN, Decision.REPROCESS, Decision.ERASE})

_U, _A, _R, _J = Release.UNDECIDED, Release.AWAITING_REVIEW, Release.RELEASED, Release.REJECTED
_Q, _T, _E = Release.QUARANTINED, Release.RETAINED, Release.ERASED

#: ``decision, source, dest``: the whole review rulebook, one row per allowed decision.
REVIEW_TABLE: Final[tuple[tuple[Decision, Release, Release], ...]] = (
    (Decision.HOLD, _U, _A),
    (Decision.AUTO_RELEASE, _U, _R),
    (Decision.APPROVE, _U, _R),
    (Decision.APPROVE, _A, _R),
    (Decision.APPROVE, _J, _R),
    (Decision.REJECT, _U, _J),
    (Decision.REJECT, _A, _J),
    (Decision.REJECT, _R, _J),
    (Decision.RETAIN, _U, _T),
    (Decision.RETAIN, _Q, _T),
    (Decision.RETAIN, _T, _T),
    (Decision.REPROCESS, _Q, _U),
    (Decision.REPROCESS, _T, _U),
    (Decision.REPROCESS, _J, _U),
    (Decision.ERASE, _U, _E),
    (Decision.ERASE, _A, _E),
    (Decision.ERASE, _Q, _E),
    (Decision.ERASE, _T, _E),
    (Decision.ERASE, _J, _E),
)

_MACHINE: Final = Machine(
    model=None,
    states=Release,
    transitions=[[d.value, s, t] for d, s, t in REVIEW_TABLE],
    initial=Release.UNDECIDED,
    auto_transitions=False,
)


def next_release(decision: Decision | str, release: Release | str) -> Release:
    """The release state ``decision`` leads to from ``release``.

    Raises:
        TransitionNotAllowed: the review rulebook has no such row.
    """
    source = Release(release)  # transitions keys states by enum *name*: coerce first
    rows = _MACHINE.get_transitions(trigger=str(decision), source=source.name)
    if not rows:
        raise TransitionNotAllowed(str(decision), source.value)
    return Release[str(rows[0].dest)]


def review_mermaid() -> str:
    """Render the review rulebook as a mermaid state diagram (the README picture)."""
    lines = ["stateDiagram-v2", f"    [*] --> {Release.UNDECIDED.value}"]
    lines.extend(f"    {s.value} --> {t.value}: {d.value}" for d, s, t in REVIEW_TABLE)
    return "\n".join(lines)


def check_decision(video: Video, decision: str, reason: str) -> None:
    """Refuse a decision the review rulebook or the video's output does not allow.

    Only an archived video is decided on; an anonymized output may be released (also once its
    original was erased), a raw copy never; every human decision carries a written reason.

    Raises:
        TransitionNotAllowed: with the command and the state that forbid it.
    """
    if video.state is not State.ARCHIVED:
        raise TransitionNotAllowed(decision, video.state.value)
    raw = video.level is Level.RAW_COPIED
    if video.erased and (raw or decision in (Decision.REPROCESS, Decision.ERASE)):
        raise TransitionNotAllowed(decision, "erased")  # its unanonymized files are gone
    allowed = FOR_RAW_COPIES if raw else FOR_ANONYMIZED
    if decision not in allowed:
        kind = "raw copy" if video.level is Level.RAW_COPIED else "anonymized output"
        raise TransitionNotAllowed(decision, f"{video.release_state.value} {kind}")
    if decision in HUMAN_DECISIONS and not reason.strip():
        raise TransitionNotAllowed(decision, "without a written reason")
    next_release(decision, video.release_state)
