"""The two event stores every persistence test runs on: SQLite and the real PostgreSQL.

A persistence test class is a contract (named without ``Test``, so it is not collected)
that subclasses :class:`OnBackend`, and two subclasses that pick the store::

    class ClaimsContract(OnBackend): ...
    class TestClaimsOnSQLite(OnSQLite, ClaimsContract): ...
    class TestClaimsOnPostgres(OnPostgres, ClaimsContract): ...
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Services, build, event_store_env
from adapters.settings import Settings
from domain.application import VideoLibrary
from domain.ports import Clock, FrameCleaner, Masker

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

#: ``wire(cleaner, masker, **setting_changes)``: the wired application on a test's store.
Wire = Callable[..., Services]


def settings_for(backend: str, folder: Path) -> Iterator[Settings]:
    """Settings on ``backend``; PostgreSQL gets a schema of its own, dropped afterwards."""
    if backend == "sqlite":
        yield Settings(data_dir=folder)
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield Settings(data_dir=folder, event_store=POSTGRES_URL, postgres_schema=schema)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


#: :func:`settings_for` as a ``with`` block (the schema is dropped even when a test fails).
settings_on = contextlib.contextmanager(settings_for)


@contextlib.contextmanager
def library_on(backend: str, folder: Path, clock: Clock | None = None) -> Iterator[VideoLibrary]:
    """A video library on ``backend``, closed (and its schema dropped) afterwards."""
    with settings_on(backend, folder) as settings, open_library(settings, clock) as library:
        yield library


@contextlib.contextmanager
def open_library(settings: Settings, clock: Clock | None = None) -> Iterator[VideoLibrary]:
    """A video library on the store ``settings`` name (on ``clock``), closed afterwards."""
    library = VideoLibrary(env=event_store_env(settings), clock=clock)
    try:
        yield library
    finally:
        library.close()


def store_env(settings: Settings) -> dict[str, str]:
    """The environment that puts an ``endoveil`` subprocess on the same event store."""
    return {
        "ENDOVEIL_EVENT_STORE": settings.event_store,
        "ENDOVEIL_POSTGRES_SCHEMA": settings.postgres_schema,
    }


def stored_bytes(settings: Settings) -> bytes:
    """Everything the event store holds, as the database keeps it.

    SQLite: the database file and its write-ahead log (recent commits are only in the log).
    PostgreSQL: every value of every row of every table in the test's schema.
    """
    if settings.event_store == "sqlite":
        path = settings.event_store_path
        files = (path, path.with_name(f"{path.name}-wal"))
        return b"".join(file.read_bytes() for file in files if file.exists())
    schema = settings.postgres_schema
    with psycopg.connect(settings.event_store, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        ).fetchall()
        values: list[Any] = []
        for (table,) in tables:
            rows = connection.execute(
                sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            )
            values.extend(value for row in rows for value in row)
    return b"".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for value in values
    )


class OnBackend:
    """Fixtures of a persistence test class, on the store its subclass picks."""

    #: "sqlite" or "postgres", set by :class:`OnSQLite` or :class:`OnPostgres`.
    backend: ClassVar[str]

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Iterator[Settings]:
        """Settings on this class's store, data dir ``tmp_path / "data"``."""
        yield from settings_for(self.backend, tmp_path / "data")

    @pytest.fixture
    def library(self, tmp_path: Path) -> Iterator[VideoLibrary]:
        """A video library on a store of its own (not the one ``settings`` names)."""
        with library_on(self.backend, tmp_path) as library:
            yield library

    @pytest.fixture
    def wire(self, settings: Settings) -> Iterator[Wire]:
        """``build`` on ``settings`` (changed by keywords); every library is closed afterwards."""
        built: list[Services] = []

        def wire(
            cleaner: FrameCleaner | None = None, masker: Masker | None = None, **changes: Any
        ) -> Services:
            services = build(settings.model_copy(update=changes), cleaner, masker)
            built.append(services)
            return services

        yield wire
        for services in built:
            services.library.close()


class OnSQLite(OnBackend):
    """The embedded SQLite file in the data dir (the default store)."""

    backend: ClassVar[str] = "sqlite"


@pytest.mark.postgres
class OnPostgres(OnBackend):
    """The real PostgreSQL on 127.0.0.1:5432, a schema of its own per test."""

    backend: ClassVar[str] = "postgres"
