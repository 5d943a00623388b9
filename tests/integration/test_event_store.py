"""Events round-trip through the event store, encrypted at rest, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic

from adapters.settings import Settings
from domain.rulebook import Level, State
from domain.video import Video
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire, stored_bytes
from tests.fakes import failing, succeeding

FAKE_NAME = "Mustermann"


def _input(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / f"{FAKE_NAME}, Erika 1955.mp4"
    path.write_bytes(content)
    return path


class EventStoreContract(OnBackend):
    """What the event store keeps, and how, on any backend."""

    def test_events_round_trip_through_the_store(self, wire: Wire, tmp_path: Path) -> None:
        source = _input(tmp_path, b"not really a video but the probe is real")
        services = wire(failing("ollama_unavailable"), succeeding())
        report = services.importer.import_file(str(source))
        assert report.video_id is not None
        reopened = wire(failing("x"), failing("y"))
        video = reopened.library.get(report.video_id)
        assert video.state is State.FAILED  # the real probe says this is not a video
        assert video.reason == "not_a_video"
        assert [type(e).__name__ for e in reopened.library.history(video.id)] == [
            "Registered",
            "Claimed",
            "Failed",
        ]
        assert list(reopened.library.video_ids()) == [video.id]

    def test_no_plaintext_reaches_the_database_and_the_key_is_private(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        services = wire(failing("ollama_unavailable"), succeeding())
        services.importer.import_file(str(_input(tmp_path, b"x" * 100)))  # fails: not_a_video
        video_id, _ = services.library.register("cd" * 32, 1, f"raw/{FAKE_NAME}.mp4")
        assert services.chain.run(video_id).state is State.ARCHIVED  # after ollama_unavailable
        stored = stored_bytes(settings)
        # The topics stay in clear: seeing them shows the events are in what was read.
        assert get_topic(Video.Archived).encode() in stored
        for needle in (b"not_a_video", b"ollama_unavailable", b"raw/", FAKE_NAME.encode()):
            assert needle not in stored
        key_file = settings.data_dir / "cipher.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    def test_a_configured_key_is_used_and_a_wrong_key_is_refused(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        from eventsourcing.cryptography import AESCipher

        from adapters.storage.keys import StartRefused

        key = AESCipher.create_key(32)
        services = wire(failing("ollama_unavailable"), failing("roi_uncertain"), cipher_key=key)
        report = services.importer.import_file(str(_input(tmp_path, b"y" * 10)))
        assert report.video_id is not None
        assert not (settings.data_dir / "cipher.key").exists()
        assert wire(cipher_key=key).library.get(report.video_id).reason == "not_a_video"
        with pytest.raises(StartRefused, match="not the key of this event store"):
            wire(cipher_key=AESCipher.create_key(32))

    def test_importing_never_touches_the_input(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        source = _input(tmp_path, b"z" * 4096)
        before = (source.read_bytes(), os.stat(source).st_mtime_ns)
        services = wire(failing("ollama_unavailable"), succeeding())
        services.importer.import_file(str(source))
        assert (source.read_bytes(), os.stat(source).st_mtime_ns) == before
        kept = list((settings.data_dir / "raw").iterdir())
        assert len(kept) == 1 and kept[0].read_bytes() == source.read_bytes()
        assert FAKE_NAME not in kept[0].name

    def test_the_level_that_archived_is_stored(self, wire: Wire) -> None:
        # A real masker is not needed to check the store: the probe is the only real adapter.
        services = wire(failing("ollama_unavailable"), succeeding())
        video_id, _ = services.library.register("ab" * 32, 1, "raw/x.mp4")
        video = services.chain.run(video_id)
        reopened = wire(failing("x"), failing("y"))
        again = reopened.library.get(video_id)
        assert (again.state, again.level, again.anonymized, again.runs) == (
            State.ARCHIVED,
            Level.FALLBACK_BASIC,
            True,
            1,
        )
        assert again.output == video.output


class TestEventStoreOnSQLite(OnSQLite, EventStoreContract):
    pass


class TestEventStoreOnPostgres(OnPostgres, EventStoreContract):
    pass
