"""The composition root: builds the application from settings and wires adapters into ports.

Nothing connects to a database or a server at import time; everything happens in :func:`build`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import psycopg

from adapters.cleaning.circuit import CircuitBreaker
from adapters.cleaning.cleaner import OllamaFrameCleaner
from adapters.masking.masker import OnProgress, OpenCVMasker
from adapters.settings import Settings
from adapters.storage.digests import StoredFileDigests
from adapters.storage.files import FileStore
from adapters.storage.keys import cipher_key
from adapters.storage.vault import KeyFileVault
from adapters.video.probe import OpenCVProbe
from domain.application import VideoLibrary
from domain.erase import Eraser
from domain.importer import Importer
from domain.pipeline import FallbackChain
from domain.ports import FrameCleaner, Masker
from domain.releasing import ReleaseDesk
from domain.review import ReleasePolicy
from projections.catalog import Projections


@dataclass(frozen=True)
class Services:
    """The wired application."""

    settings: Settings
    library: VideoLibrary
    store: FileStore
    chain: FallbackChain
    importer: Importer
    projections: Projections
    vault: KeyFileVault
    eraser: Eraser
    desk: ReleaseDesk

    def catch_up(self) -> int:
        """Bring the materialised views up to date with the event log."""
        return self.projections.catch_up(self.library)


def event_store_env(settings: Settings) -> dict[str, str]:
    """Eventsourcing's configuration: AES-encrypted, compressed events.

    In SQLite (the data dir's ``events.sqlite``, the default) or in PostgreSQL
    (``ENDOVEIL_EVENT_STORE=postgresql://...``); the views live beside the events.
    """
    env = {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": cipher_key(settings.data_dir, settings.cipher_key),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }
    if settings.event_store == "sqlite":
        return {
            **env,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.event_store_path),
        }
    url = urlsplit(settings.event_store)
    if url.scheme not in ("postgresql", "postgres") or not url.path.strip("/"):
        raise ValueError("ENDOVEIL_EVENT_STORE is 'sqlite' or postgresql://user@host:port/db")
    return {
        **env,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.strip("/")),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_SCHEMA": settings.postgres_schema,
    }


@contextlib.contextmanager
def _creating_tables(settings: Settings) -> Iterator[None]:
    """Let one process at a time create the tables of a PostgreSQL event store.

    PostgreSQL's ``CREATE ... IF NOT EXISTS`` is not safe against a concurrent twin: processes
    starting at once on a fresh schema failed with a duplicate ``pg_type`` key or "tuple
    concurrently updated". A session advisory lock (released when its connection closes, even
    if the process dies) serialises them; SQLite's file lock and the views' retries suffice.
    """
    if settings.event_store == "sqlite":
        yield
        return
    with psycopg.connect(settings.event_store, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", [f"endoveil {settings.postgres_schema}"]
        )
        yield


def circuit_of(settings: Settings) -> CircuitBreaker:
    """The Ollama circuit breaker persisted in the data dir."""
    return CircuitBreaker(
        settings.circuit_path,
        threshold=settings.circuit_threshold,
        cooldown_s=settings.circuit_cooldown,
        probe_lease_s=settings.cleaning_budget + 30.0,
    )


def build(
    settings: Settings,
    cleaner: FrameCleaner | None = None,
    masker: Masker | None = None,
    *,
    on_progress: OnProgress | None = None,
) -> Services:
    """Wire endoveil; tests may pass their own level adapters.

    ``on_progress(video_id, frames_done, frames_total)`` follows level 2's encoding.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _creating_tables(settings):
        library = VideoLibrary(env=event_store_env(settings))
        projections = Projections.open(library)
    store = FileStore(settings.data_dir)
    cleaner = cleaner or OllamaFrameCleaner(
        host=settings.ollama_host,
        model=settings.ollama_model,
        connect_timeout=settings.ollama_connect_timeout,
        read_timeout=settings.ollama_read_timeout,
        ocr_engine=settings.ocr_engine,
        budget_s=settings.cleaning_budget,
        circuit=circuit_of(settings),
    )
    vault = KeyFileVault(settings.data_dir)
    desk = ReleaseDesk(
        library, StoredFileDigests(settings.data_dir), ReleasePolicy(settings.release_policy)
    )
    chain = FallbackChain(
        library,
        cleaner,
        masker or OpenCVMasker(on_progress),
        store,
        vault=vault,
        on_archived=desk.after_archive,
    )
    importer = Importer(library, chain, store, OpenCVProbe(), settings.lease_seconds)
    eraser = Eraser(library, store, vault)
    return Services(settings, library, store, chain, importer, projections, vault, eraser, desk)
