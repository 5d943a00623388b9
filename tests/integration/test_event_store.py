"""Events round-trip through the embedded SQLite store, encrypted at rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from adapters.bootstrap import build
from adapters.settings import Settings
from domain.rulebook import Level, State
from tests.fakes import failing, succeeding

FAKE_NAME = "Mustermann"


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **extra)  # type: ignore[arg-type]


def _input(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / f"{FAKE_NAME}, Erika 1955.mp4"
    path.write_bytes(content)
    return path


def test_events_round_trip_through_sqlite(tmp_path: Path) -> None:
    source = _input(tmp_path, b"not really a video but the probe is real")
    services = build(_settings(tmp_path), failing("ollama_unavailable"), succeeding())
    report = services.importer.import_file(str(source))
    assert report.video_id is not None
    reopened = build(_settings(tmp_path), failing("x"), failing("y"))
    video = reopened.library.get(report.video_id)
    assert video.state is State.FAILED  # the real probe says this is not a video
    assert video.reason == "not_a_video"
    assert [type(e).__name__ for e in reopened.library.history(video.id)] == [
        "Registered",
        "Claimed",
        "Failed",
    ]
    assert list(reopened.library.video_ids()) == [video.id]


def test_no_plaintext_reaches_the_database_and_the_key_is_private(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    services = build(settings, failing("ollama_unavailable"), failing("roi_uncertain"))
    services.importer.import_file(str(_input(tmp_path, b"x" * 100)))
    database = settings.event_store_path.read_bytes()
    for needle in (b"not_a_video", b"raw/", FAKE_NAME.encode()):
        assert needle not in database
    key_file = settings.data_dir / "cipher.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_configured_key_is_used_and_a_wrong_key_cannot_read(tmp_path: Path) -> None:
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.persistence import MapperDeserialisationError

    key = AESCipher.create_key(32)
    settings = _settings(tmp_path, cipher_key=key)
    services = build(settings, failing("ollama_unavailable"), failing("roi_uncertain"))
    report = services.importer.import_file(str(_input(tmp_path, b"y" * 10)))
    assert report.video_id is not None
    assert not (settings.data_dir / "cipher.key").exists()
    wrong = build(_settings(tmp_path, cipher_key=AESCipher.create_key(32)))
    with pytest.raises(MapperDeserialisationError):
        wrong.library.get(report.video_id)


def test_importing_never_touches_the_input(tmp_path: Path) -> None:
    source = _input(tmp_path, b"z" * 4096)
    before = (source.read_bytes(), os.stat(source).st_mtime_ns)
    services = build(_settings(tmp_path), failing("ollama_unavailable"), succeeding())
    services.importer.import_file(str(source))
    assert (source.read_bytes(), os.stat(source).st_mtime_ns) == before
    kept = list((tmp_path / "data" / "raw").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == source.read_bytes()
    assert FAKE_NAME not in kept[0].name


def test_the_level_that_archived_is_stored(tmp_path: Path) -> None:
    # A real masker is not needed to check the store: the probe is the only real adapter here.
    services = build(_settings(tmp_path), failing("ollama_unavailable"), succeeding())
    video_id, _ = services.library.register("ab" * 32, 1, "raw/x.mp4")
    video = services.chain.run(video_id)
    reopened = build(_settings(tmp_path), failing("x"), failing("y"))
    again = reopened.library.get(video_id)
    assert (again.state, again.level, again.anonymized, again.runs) == (
        State.ARCHIVED,
        Level.FALLBACK_BASIC,
        True,
        1,
    )
    assert again.output == video.output


@pytest.mark.postgres
def test_events_round_trip_through_postgres_encrypted(tmp_path: Path) -> None:
    from tests.backends import settings_for

    for settings in settings_for("postgres", tmp_path / "data"):
        services = build(settings, failing("ollama_unavailable"), succeeding())
        video_id, _ = services.library.register("cd" * 32, 1, f"raw/{FAKE_NAME}.mp4")
        video = services.chain.run(video_id)
        again = build(settings, failing("x"), failing("y")).library.get(video_id)
        assert (again.state, again.level, again.output) == (
            State.ARCHIVED,
            Level.FALLBACK_BASIC,
            video.output,
        )
        rows = services.projections.videos.query(
            f"SELECT state FROM {settings.postgres_schema}."
            f"{services.library.recorder.events_table_name}",  # type: ignore[attr-defined]
            [],
        )
        stored = b"".join(bytes(row["state"]) for row in rows)
        assert stored and FAKE_NAME.encode() not in stored and b"ollama_unavailable" not in stored
        services.library.close()
