"""The rulebook: no command sequence reaches an undeclared state or skips the chain."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import TransitionNotAllowed
from domain.reasons import Reason
from domain.rulebook import COMMANDS, TABLE, Command, Level, State, mermaid, next_state
from domain.steps import Step
from domain.video import Video

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

ALLOWED = {(trigger, source): dest for trigger, source, dest in TABLE}
LEVEL_OF = {Command.FALL_BACK: Level.FRAME_CLEANING, Command.COPY_RAW: Level.FALLBACK_BASIC}


def _step(command: str, state: State) -> Step:
    if command == Command.ARCHIVE:
        level = Level(state.value) if state.value in set(Level) else Level.FALLBACK_BASIC
        return Step(Reason.MASKED, "Done.", level, 0.1, {"x": "1"}, "anonymized/x.mp4")
    return Step(Reason.UNEXPECTED_ERROR, "Because.", LEVEL_OF.get(command), 0.1)  # type: ignore[call-overload]


def test_every_state_and_command_is_in_the_table() -> None:
    assert {source for _, source, _ in TABLE} | {dest for _, _, dest in TABLE} == set(State)
    assert set(COMMANDS) == {
        "start_cleaning",
        "fall_back",
        "copy_raw",
        "archive",
        "fail",
        "retry",
        "reprocess",
    }


def test_a_string_state_is_coerced_to_the_enum() -> None:
    assert next_state("start_cleaning", "received") is State.FRAME_CLEANING


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="'explode' is not allowed"):
        next_state("explode", State.RECEIVED)


@given(st.lists(st.sampled_from([*COMMANDS, "explode"]), max_size=40))
def test_no_sequence_reaches_an_undeclared_state_or_skips_the_chain(commands: list[str]) -> None:
    video = Video(sha256="ab" * 32, size=1, original="raw/x.mp4", received_at=NOW)
    path = [video.state]
    for command in commands:
        before = video.state
        if (command, before) not in ALLOWED:
            with pytest.raises(TransitionNotAllowed):
                video.handle(command, _step(command, before))  # type: ignore[arg-type]
            assert video.state is before
            continue
        video.handle(Command(command), _step(command, before))
        assert video.state is ALLOWED[command, before]
        path.append(video.state)
    # The chain is never skipped: each level is entered only from the level above it.
    for previous, current in itertools.pairwise(path):
        if current is State.FALLBACK_BASIC:
            assert previous is State.FRAME_CLEANING
        if current is State.RAW_COPIED:
            assert previous is State.FALLBACK_BASIC
        if current is State.FRAME_CLEANING:
            assert previous in (State.RECEIVED, State.ARCHIVED)
    assert all(isinstance(state, State) for state in path)


def test_a_raw_copy_cannot_be_archived_as_anonymized() -> None:
    video = Video(sha256="cd" * 32, size=1, original="raw/x.mp4", received_at=NOW)
    video.start_cleaning(_step(Command.START_CLEANING, video.state))
    video.fall_back(_step(Command.FALL_BACK, video.state))
    video.copy_raw(_step(Command.COPY_RAW, video.state))
    with pytest.raises(ValueError, match="raw copy"):
        video.archive(Step(Reason.MASKED, "y", Level.FALLBACK_BASIC, 0, {}, "anonymized/x.mp4"))
    assert video.state is State.RAW_COPIED


def test_every_command_has_its_method_and_its_event() -> None:
    events = [cls for cls in vars(Video).values() if isinstance(cls, type)]
    kinds = [cls for cls in events if issubclass(cls, Video.Transitioned)]
    assert {cls.command for cls in kinds if cls is not Video.Transitioned} == set(Command)
    for command in Command:
        assert callable(getattr(Video, command.value)), command
    assert list(COMMANDS) == list(Command)  # the table names every command


def test_a_command_is_carried_out_by_its_own_method() -> None:
    video = Video(sha256="ef" * 32, size=1, original="raw/x.mp4", received_at=NOW)
    video.start_cleaning(_step(Command.START_CLEANING, video.state))
    video.fall_back(_step(Command.FALL_BACK, video.state))
    assert video.state is State.FALLBACK_BASIC
    names = [type(e).__name__ for e in video.collect_events()]
    assert names == ["Registered", "CleaningStarted", "FellBack"]
    with pytest.raises(TransitionNotAllowed, match="'retry' is not allowed"):
        video.retry(_step(Command.RETRY, video.state))


def test_mermaid_has_one_arrow_per_row() -> None:
    text = mermaid()
    for trigger, source, dest in TABLE:
        assert f"{source.value} --> {dest.value}: {trigger}" in text
