"""The two event stores every persistence test runs on: SQLite and the real PostgreSQL."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from adapters.bootstrap import event_store_env
from adapters.settings import Settings
from domain.application import VideoLibrary

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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


@contextlib.contextmanager
def library_on(backend: str, folder: Path) -> Iterator[VideoLibrary]:
    """A video library on ``backend``, closed (and its schema dropped) afterwards."""
    for settings in settings_for(backend, folder):
        library = VideoLibrary(env=event_store_env(settings))
        try:
            yield library
        finally:
            library.close()
