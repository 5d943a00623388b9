"""The composition root: builds the application from settings and wires adapters into ports.

Every object with a collaborator is made here, once (the chain, the importer, the reprocessor,
the Ollama circuit, every view); the CLI, the web and the workers take them from
:class:`Services`. Nothing connects to a database or a server at import time; everything
happens in :func:`build`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from adapters.cleaning.circuit import CircuitBreaker
from adapters.cleaning.cleaner import OllamaFrameCleaner
from adapters.masking.masker import OnProgress, OpenCVMasker
from adapters.settings import Settings
from adapters.storage.digests import StoredFileDigests
from adapters.storage.files import FileStore
from adapters.storage.keycheck import open_checked_library
from adapters.storage.keys import configured_key, new_key, save_key
from adapters.storage.processes import LocalProcesses
from adapters.storage.vault import KeyFileVault
from adapters.video.probe import OpenCVProbe
from domain.application import VideoLibrary
from domain.erase import Eraser
from domain.importer import Importer
from domain.pipeline import FallbackChain
from domain.ports import FrameCleaner, Masker, SystemClock
from domain.releasing import ReleaseDesk
from domain.reprocess import Reprocessor
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
    reprocessor: Reprocessor
    circuit: CircuitBreaker
    desk: ReleaseDesk

    def catch_up(self) -> int:
        """Bring the materialised views up to date with the event log."""
        return self.projections.catch_up(self.library)


def event_store_env(settings: Settings, key: str | None = None) -> dict[str, str]:
    """Eventsourcing's configuration: AES-encrypted, compressed events.

    In SQLite (the data dir's ``events.sqlite``, the default) or in PostgreSQL
    (``ENDOVEIL_EVENT_STORE=postgresql://...``); the views live beside the events. Without
    ``key``, the configured key (made if there is none: tools and tests; ``build`` checks it).
    """
    data_dir = settings.data_dir
    key = key or configured_key(data_dir, settings.cipher_key) or save_key(data_dir, new_key())
    env = {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": key,
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
        # a pooled connection the server dropped (restart, failover) is replaced when next
        # taken, instead of failing the read or write that takes it
        "POSTGRES_PRE_PING": "y",
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
    import psycopg  # imported here: SQLite installations never load the PostgreSQL driver

    with psycopg.connect(settings.event_store, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", [f"endoveil {settings.postgres_schema}"]
        )
        yield


def _create_private(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use 0644 less the umask).

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so they are private too.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


#: What processing a video loads first: OpenCV and numpy (the probe, both levels), the
#: masker's modules, and the OCR engine with onnxruntime (the slowest, ~0.7 s).
PROCESSING_MODULES = (
    "cv2",
    "numpy",
    "adapters.video.opencv_frames",
    "adapters.endoscope.activity",
    "adapters.masking.inside_text",
    "rapidocr_onnxruntime",
)


def load_processing_modules() -> None:
    """Import :data:`PROCESSING_MODULES` (run beside the copy of an input that is processed next).

    Only imports, never a model load; the store joins the thread before the copy is handed
    on, so no other thread imports these modules at the same time.
    """
    import importlib

    for name in PROCESSING_MODULES:
        importlib.import_module(name)


def circuit_of(settings: Settings) -> CircuitBreaker:
    """The Ollama circuit breaker persisted in the data dir (one per :func:`build`)."""
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

    ``on_progress(video_id, frames_done, frames_total)`` follows the encoding of levels 1 and 2.
    """
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if settings.event_store == "sqlite":
        _create_private(settings.event_store_path)
    with _creating_tables(settings):
        library = open_checked_library(
            settings.data_dir,
            settings.cipher_key,
            lambda key: event_store_env(settings, key),
            SystemClock(),
        )
        projections = Projections.open(library)
    store = FileStore(settings.data_dir)
    circuit = circuit_of(settings)
    cleaner = cleaner or OllamaFrameCleaner(
        host=settings.ollama_host,
        model=settings.ollama_model,
        connect_timeout=settings.ollama_connect_timeout,
        read_timeout=settings.ollama_read_timeout,
        ocr_engine=settings.ocr_engine,
        budget_s=settings.cleaning_budget,
        budget_per_minute_s=settings.cleaning_budget_per_minute,
        circuit=circuit,
        on_progress=on_progress,
    )
    vault = KeyFileVault(settings.data_dir)
    desk = ReleaseDesk(
        library, StoredFileDigests(settings.data_dir), ReleasePolicy(settings.release_policy)
    )
    chain = FallbackChain(
        library,
        cleaner,
        masker or OpenCVMasker(on_progress, encoder=settings.encoder),
        store,
        vault=vault,
        on_archived=desk.after_archive,
    )
    importer = Importer(
        library, chain, store, OpenCVProbe(), settings.lease_seconds, LocalProcesses()
    )
    eraser = Eraser(library, store, vault)
    reprocessor = Reprocessor(library, chain)
    return Services(
        settings,
        library,
        store,
        chain,
        importer,
        projections,
        vault,
        eraser,
        reprocessor,
        circuit,
        desk,
    )
