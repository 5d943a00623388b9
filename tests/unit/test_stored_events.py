"""Events stored by an earlier version of the code still read, and read the same.

``tests/fixtures/stored_events_v1.json`` holds events written by main at cd8baee (before the
typed vocabulary: commands and reasons were bare strings, ``Video.apply`` dispatched through a
dict), unencrypted and uncompressed, with what each video decoded to then. Its histories cover
every event class: registered, failed, retried, claimed, taken over, lease renewed, cleaning,
falling back, raw copy, archived, reprocessed and erased.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.cli.text import audit_lines, event_line
from domain.application import VideoLibrary
from domain.pipeline import FallbackChain
from domain.reasons import Reason
from domain.rulebook import Command, State
from domain.steps import Step
from domain.video import Video
from projections.audit import explain
from projections.status import fold
from tests.fakes import FakeStore, failing, succeeding
from tests.scenarios import OUTCOMES, play

FIXTURE = Path(__file__).parent.parent / "fixtures" / "stored_events_v1.json"


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


@pytest.fixture(scope="module")
def library(recorded: dict[str, Any]) -> VideoLibrary:
    library = VideoLibrary(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    library.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"].encode(),
            )
            for row in recorded["stored_events"]
        ]
    )
    return library


def _names(recorded: dict[str, Any]) -> list[str]:
    return list(recorded["expected"])


def test_the_fixture_covers_every_event_class(recorded: dict[str, Any]) -> None:
    topics = {row["topic"].rsplit(".", 1)[-1] for row in recorded["stored_events"]}
    wanted = {"Registered", "Claimed", "LeaseRenewed", "Erased"}
    wanted |= {"CleaningStarted", "FellBack", "RawCopyStarted", "Archived", "Failed"}
    wanted |= {"RetryRequested", "ReprocessRequested"}
    assert wanted <= topics


def test_old_events_rebuild_the_same_aggregates(
    recorded: dict[str, Any], library: VideoLibrary
) -> None:
    for name, want in recorded["expected"].items():
        video = library.get(UUID(want["video_id"]))
        got = {
            key: (str(getattr(video, key)) if getattr(video, key) is not None else None)
            for key in want["aggregate"]
        }
        assert got == want["aggregate"], name
        assert isinstance(video.state, State)
        assert [type(e).__name__ for e in library.history(video.id)] == want["events"]


def test_old_codes_read_back_as_reasons(recorded: dict[str, Any], library: VideoLibrary) -> None:
    raw = library.get(UUID(recorded["expected"]["raw"]["video_id"]))
    assert raw.reason is Reason.RAW_COPY_QUARANTINED
    for event in library.history(raw.id):
        if isinstance(event, Video.Transitioned):
            assert isinstance(event.command, Command)


def test_old_events_fold_into_the_same_status(
    recorded: dict[str, Any], library: VideoLibrary
) -> None:
    for name, want in recorded["expected"].items():
        status = fold(want["video_id"], library.history(UUID(want["video_id"]))).as_json()
        status.pop("warning")
        assert status == want["status"], name


def test_a_code_unknown_today_still_renders(
    recorded: dict[str, Any], library: VideoLibrary
) -> None:
    kept = recorded["expected"]["reprocess_kept"]["video_id"]
    history = library.history(UUID(kept))
    assert "ollama_back" in [getattr(e, "reason", None) for e in history]  # not a Reason
    lines = audit_lines(history)
    [line] = [line for line in lines if line["event"] == "ReprocessRequested"]
    assert (line["reason"], line["sentence"]) == ("ollama_back", "ollama_back")
    assert "ollama_back" in event_line(line)
    assert explain(kept, history)[0].startswith(f"Video {kept} is NOT anonymized")


def test_events_written_today_have_the_stored_shape_of_the_old_ones(
    recorded: dict[str, Any],
) -> None:
    """Same topics, same attribute names: what today's code stores, yesterday's could read."""
    old = {row["topic"]: set(json.loads(row["state"])) for row in recorded["stored_events"]}
    library = VideoLibrary(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for n, outcome in enumerate(OUTCOMES, start=1):
        play(library, n, outcome)
    video_id = play(library, 99, "failed")
    library.apply(video_id, Command.RETRY, Step(Reason.CHAIN_STARTED, "Retried."))
    library.claim(video_id, "run-a", 0.0)
    library.claim(video_id, "run-b", 300.0)
    library.renew(video_id, "run-b")
    chain = FallbackChain(library, failing("ollama_unavailable"), succeeding(), FakeStore())
    chain.run(video_id, "run-b")
    library.erase(video_id, "REQ-1")
    new = {
        n.topic: set(json.loads(n.state)) for n in library.recorder.select_notifications(0, 1000)
    }
    # Optional attributes added since (#17: where a claim's process runs). Yesterday's code
    # reads them too: the mapper restores an event by updating its __dict__ with what is stored.
    added = {"domain.video:Video.Claimed": {"host", "pid"}}
    assert {topic: names - added.get(topic, set()) for topic, names in new.items()} == old
    states = [json.loads(n.state) for n in library.recorder.select_notifications(0, 1000)]
    stored = [state["reason"] for state in states if "detail" in state]
    assert stored and all(type(code) is str for code in stored)  # plain strings in the JSON
    assert "ollama_unavailable" in stored
