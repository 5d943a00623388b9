"""The key check stored with the events: a wrong or lost cipher key is refused at start.

An event store encrypted with one key and written to with another is unreadable under either
(the old events fail under the new key, the new ones under the old). So the store holds one
row, ``endoveil_key_check``, with a known constant encrypted under its key, and every process
decrypts it before doing anything else. A store from before the check (events, no row) is
checked on its first event instead, then gets the row. On a shared PostgreSQL store the first
process to write the row decides the key; any machine with another key is refused.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import Cipher, MapperDeserialisationError

from adapters.storage.keys import (
    KEY_CHECK_CANARY,
    KEY_CHECK_TABLE,
    KEY_FILE,
    StartRefused,
    configured_key,
    new_key,
    save_key,
)
from domain.application import VideoLibrary
from domain.ports import Clock
from projections.views import is_postgres  # tells SQLite without loading psycopg

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

TABLE = KEY_CHECK_TABLE
_CANARY = KEY_CHECK_CANARY

#: ``env_for(key)``: the event store configuration with this cipher key.
EnvFor = Callable[[str], dict[str, str]]


def open_checked_library(
    data_dir: Path, configured: str | None, env_for: EnvFor, clock: Clock | None = None
) -> VideoLibrary:
    """Open the video library with the configured key, refusing a key the store does not hold.

    The library reads the time from ``clock`` (the wall clock when None). A key file is
    created only for a store that holds nothing yet.

    Raises:
        StartRefused: the key is malformed, wrong, or missing while events exist.
    """
    key = configured_key(data_dir, configured)
    where = "ENDOVEIL_CIPHER_KEY" if configured else str(data_dir / KEY_FILE)
    if key is None:
        candidate = new_key()
        probe = VideoLibrary(env=env_for(candidate))
        try:
            holds_events = _holds_events(probe)
        finally:
            probe.close()
        # A process starting at the same time may have stored its key and its first events
        # between our look at the key file and at the store: look at the file once more.
        key = configured_key(data_dir, configured) if holds_events else None
        if holds_events and key is None:
            raise StartRefused(
                f"no cipher key: {where} is missing and the event store holds events; "
                "restore the key file or set ENDOVEIL_CIPHER_KEY (a new key cannot read them)"
            )
        key = key or save_key(data_dir, candidate)
    library = VideoLibrary(env=env_for(key), clock=clock)
    try:
        verify_key(library, where)
    except BaseException:
        library.close()
        raise
    return library


def verify_key(library: VideoLibrary, where: str) -> None:
    """Decrypt the store's key check with the library's key; write it for a new store.

    Raises:
        StartRefused: the key check (or, in an old store, the first event) does not decrypt.
    """
    token = _read_token(library)
    if token is None:
        if library.recorder.max_notification_id():
            _check_first_event(library, where)  # a store from before the key check
        _insert_token(library, _cipher(library).encrypt(_CANARY))
        token = _read_token(library)
        assert token is not None
    try:
        opened = _cipher(library).decrypt(base64.b64decode(token))
    except ValueError:  # AES-GCM's tag check failed: another key
        opened = b""
    if opened != _CANARY:
        raise _wrong_key(where)


def _wrong_key(where: str) -> StartRefused:
    return StartRefused(
        f"the cipher key in {where} is not the key of this event store "
        "(its key check does not decrypt); refusing to start"
    )


def _cipher(library: VideoLibrary) -> Cipher:
    cipher = library.mapper.cipher
    assert cipher is not None, "the event store is always encrypted"
    return cipher


def _holds_events(library: VideoLibrary) -> bool:
    return bool(library.recorder.max_notification_id()) or _read_token(library) is not None


def _check_first_event(library: VideoLibrary, where: str) -> None:
    first = library.recorder.select_notifications(0, 1, inclusive_of_start=False)
    try:
        library.mapper.to_domain_event(first[0])
    except MapperDeserialisationError:
        raise _wrong_key(where) from None


def _postgres_table(datastore: PostgresDatastore) -> str:
    return f'"{datastore.schema}".{TABLE}'


def _read_token(library: VideoLibrary) -> str | None:
    datastore = library.recorder.datastore  # type: ignore[attr-defined]
    postgres = is_postgres(datastore)
    table = _postgres_table(datastore) if postgres else TABLE
    create = (
        f"CREATE TABLE IF NOT EXISTS {table} "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL)"
    )
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(create)
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else str(row["token"])


def _insert_token(library: VideoLibrary, encrypted: bytes) -> None:
    datastore = library.recorder.datastore  # type: ignore[attr-defined]
    token = base64.b64encode(encrypted).decode()
    # Two processes starting at once on a new store: the first row wins, the other reads it.
    if is_postgres(datastore):
        statement = (
            f"INSERT INTO {_postgres_table(datastore)} VALUES (1, %s) ON CONFLICT (id) DO NOTHING"
        )
    else:
        statement = f"INSERT OR IGNORE INTO {TABLE} VALUES (1, ?)"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(statement, [token])
