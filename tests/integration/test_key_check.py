"""A wrong, lost or malformed cipher key is refused at start, before anything is written.

Issue #17 item 1: with another key, ``import`` used to write events no key could read back
along with the old ones; with ``cipher.key`` deleted a new key was made silently. On both
event stores: the key check is a row beside the events.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher

from adapters.bootstrap import event_store_env
from adapters.settings import Settings
from adapters.storage import keycheck
from adapters.storage.keycheck import TABLE
from adapters.storage.keys import StartRefused
from domain.rulebook import State
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire, stored_bytes
from tests.fakes import failing


def _import_one(wire: Wire, tmp_path: Path, **changes: str) -> None:
    source = tmp_path / "notes.mp4"
    source.write_bytes(b"not a video" * 20)
    services = wire(failing("ollama_unavailable"), failing("roi_uncertain"), **changes)
    assert services.importer.import_file(str(source)).state is State.FAILED


def _drop_key_check(settings: Settings) -> None:
    """Make the store look like one written before the key check existed."""
    if settings.event_store == "sqlite":
        import sqlite3

        with sqlite3.connect(settings.event_store_path) as connection:
            connection.execute(f"DROP TABLE {TABLE}")
        return
    with psycopg.connect(settings.event_store, autocommit=True) as connection:
        connection.execute(f'DROP TABLE "{settings.postgres_schema}".{TABLE}')


class KeyCheckContract(OnBackend):
    """The key check, on any event store."""

    def test_another_valid_key_is_refused_and_writes_nothing(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        _import_one(wire, tmp_path)
        before = stored_bytes(settings)
        with pytest.raises(StartRefused, match="not the key of this event store"):
            wire(cipher_key=AESCipher.create_key(32))
        assert stored_bytes(settings) == before
        assert len(list(wire().library.video_ids())) == 1  # the right key still reads all

    def test_a_lost_key_file_is_not_replaced_while_events_exist(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        _import_one(wire, tmp_path)
        key_file = settings.data_dir / "cipher.key"
        key = key_file.read_text()
        key_file.unlink()
        with pytest.raises(StartRefused, match=r"cipher\.key is missing and the event store holds"):
            wire()
        assert not key_file.exists()
        key_file.write_text(key)
        assert len(list(wire().library.video_ids())) == 1

    def test_a_store_from_before_the_key_check_is_checked_on_its_first_event(
        self, wire: Wire, settings: Settings, tmp_path: Path
    ) -> None:
        _import_one(wire, tmp_path)
        _drop_key_check(settings)
        with pytest.raises(StartRefused, match="not the key of this event store"):
            wire(cipher_key=AESCipher.create_key(32))
        assert len(list(wire().library.video_ids())) == 1  # and gets its key check back
        with pytest.raises(StartRefused, match="not the key of this event store"):
            wire(cipher_key=AESCipher.create_key(32))

    def test_a_key_stored_by_a_process_starting_at_the_same_time_is_used(
        self, wire: Wire, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The interleaving CI met with four imports starting at once: this process finds no
        # key file, then another one stores its key and first events before this one looks
        # at the store. That is a race, not a lost key: the key now on disk is the one to use.
        real = keycheck.configured_key
        raced = []

        def key_file_appears_meanwhile(data_dir: Path, configured: str | None) -> str | None:
            if not raced:
                raced.append(True)
                monkeypatch.setattr(keycheck, "configured_key", real)
                _import_one(wire, tmp_path)  # the other process: key file, key check, events
                return None
            return real(data_dir, configured)

        monkeypatch.setattr(keycheck, "configured_key", key_file_appears_meanwhile)
        library = keycheck.open_checked_library(
            settings.data_dir, None, lambda k: event_store_env(settings, k)
        )
        try:
            assert raced and len(list(library.video_ids())) == 1
        finally:
            library.close()

    @pytest.mark.parametrize("key", ["not base64!", "c2hvcnQ="])
    def test_a_malformed_key_is_refused_in_one_sentence(self, wire: Wire, key: str) -> None:
        with pytest.raises(StartRefused, match="malformed: expected base64 of 16, 24 or 32"):
            wire(cipher_key=key)


class TestKeyCheckOnSQLite(OnSQLite, KeyCheckContract):
    pass


class TestKeyCheckOnPostgres(OnPostgres, KeyCheckContract):
    pass
