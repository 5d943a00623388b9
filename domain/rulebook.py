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


class Command(StrEnum):
    """What may be asked of a video; each has its method on ``Video`` and its event."""

    START_CLEANING = "start_cleaning"
    FALL_BACK = "fall_back"
    COPY_RAW = "copy_raw"
    ARCHIVE = "archive"
    FAIL = "fail"
    RETRY = "retry"
    REPROCESS = "reprocess"


TERMINAL_STATES: Final = frozenset({State.ARCHIVED, State.FAILED})

#: ``trigger, source, dest``: the whole rulebook, one row per allowed move.
TABLE: Final[tuple[tuple[Command, State, State], ...]] = (
    (Command.START_CLEANING, State.RECEIVED, State.FRAME_CLEANING),
    (Command.FALL_BACK, State.FRAME_CLEANING, State.FALLBACK_BASIC),
    (Command.COPY_RAW, State.FALLBACK_BASIC, State.RAW_COPIED),
    (Command.ARCHIVE, State.FRAME_CLEANING, State.ARCHIVED),
    (Command.ARCHIVE, State.FALLBACK_BASIC, State.ARCHIVED),
    (Command.ARCHIVE, State.RAW_COPIED, State.ARCHIVED),
    (Command.FAIL, State.RECEIVED, State.FAILED),
    (Command.FAIL, State.FRAME_CLEANING, State.FAILED),
    (Command.FAIL, State.FALLBACK_BASIC, State.FAILED),
    (Command.FAIL, State.RAW_COPIED, State.FAILED),
    (Command.RETRY, State.FAILED, State.RECEIVED),
    (Command.REPROCESS, State.ARCHIVED, State.FRAME_CLEANING),
)

#: The commands in the order the table first names them.
COMMANDS: Final = tuple(dict.fromkeys(trigger for trigger, _, _ in TABLE))

_MACHINE: Final = Machine(
    model=None,
    states=State,
    transitions=[[command.value, source, dest] for command, source, dest in TABLE],
    initial=State.RECEIVED,
    auto_transitions=False,
)


def next_state(command: Command | str, state: State | str) -> State:
    """Return the state ``command`` leads to from ``state``.

    Raises:
        TransitionNotAllowed: the rulebook has no such row (an unknown command included).
    """
    source = State(state)  # transitions keys states by enum *name*: coerce first
    rows = _MACHINE.get_transitions(trigger=str(command), source=source.name)
    if not rows:
        raise TransitionNotAllowed(command, source.value)
    return State[str(rows[0].dest)]


def mermaid() -> str:
    """Render the rulebook as a mermaid state diagram (the README picture)."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.RECEIVED.value}"]
    lines.extend(f"    {source} --> {dest}: {command}" for command, source, dest in TABLE)
    lines.extend(f"    {state.value} --> [*]" for state in sorted(TERMINAL_STATES))
    return "\n".join(lines)
