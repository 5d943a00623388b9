"""The single rulebook: which command may move a video from which state to which.

One table drives both the aggregate (through ``transitions``) and the README diagram.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from transitions import Machine

from domain.errors import TransitionNotAllowed


class State(StrEnum):
    """Where a video is in the import chain."""

    RECEIVED = "received"
    FRAME_CLEANING = "frame_cleaning"
    FALLBACK_BASIC = "fallback_basic"
    RAW_COPIED = "raw_copied"
    ARCHIVED = "archived"
    FAILED = "failed"


class Level(StrEnum):
    """The level of the fallback chain that produced a video's output."""

    FRAME_CLEANING = "frame_cleaning"
    FALLBACK_BASIC = "fallback_basic"
    RAW_COPIED = "raw_copied"


TERMINAL_STATES: Final = frozenset({State.ARCHIVED, State.FAILED})

#: ``trigger, source, dest``: the whole rulebook, one row per allowed move.
TABLE: Final[tuple[tuple[str, State, State], ...]] = (
    ("start_cleaning", State.RECEIVED, State.FRAME_CLEANING),
    ("fall_back", State.FRAME_CLEANING, State.FALLBACK_BASIC),
    ("copy_raw", State.FALLBACK_BASIC, State.RAW_COPIED),
    ("archive", State.FRAME_CLEANING, State.ARCHIVED),
    ("archive", State.FALLBACK_BASIC, State.ARCHIVED),
    ("archive", State.RAW_COPIED, State.ARCHIVED),
    ("fail", State.RECEIVED, State.FAILED),
    ("fail", State.FRAME_CLEANING, State.FAILED),
    ("fail", State.FALLBACK_BASIC, State.FAILED),
    ("fail", State.RAW_COPIED, State.FAILED),
    ("retry", State.FAILED, State.RECEIVED),
    ("reprocess", State.ARCHIVED, State.FRAME_CLEANING),
)

COMMANDS: Final = tuple(dict.fromkeys(trigger for trigger, _, _ in TABLE))

_MACHINE: Final = Machine(
    model=None,
    states=State,
    transitions=[list(row) for row in TABLE],
    initial=State.RECEIVED,
    auto_transitions=False,
)


def next_state(command: str, state: State | str) -> State:
    """Return the state ``command`` leads to from ``state``.

    Raises:
        TransitionNotAllowed: the rulebook has no such row.
    """
    source = State(state)  # transitions keys states by enum *name*: coerce first
    rows = _MACHINE.get_transitions(trigger=command, source=source.name)
    if not rows:
        raise TransitionNotAllowed(command, source.value)
    return State[str(rows[0].dest)]


def mermaid() -> str:
    """Render the rulebook as a mermaid state diagram (the README picture)."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.RECEIVED.value}"]
    lines.extend(f"    {source} --> {dest}: {trigger}" for trigger, source, dest in TABLE)
    lines.extend(f"    {state.value} --> [*]" for state in sorted(TERMINAL_STATES))
    return "\n".join(lines)
