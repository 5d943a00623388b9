"""Backups of what must never be lost: the events and the keys that open them.

A backup folder holds ``events.sqlite`` (a consistent copy made with SQLite's online backup
API while imports go on), ``cipher.key`` (the key of every event), ``keys/<id>.key`` (each
video's data key) and ``manifest.json`` with the SHA-256 of every file. The event store is
copied first and the keys after it, so every key an event in the copy needs is in the backup.
On PostgreSQL the events are backed up with ``pg_dump`` (README); the backup then holds the keys.

A restore checks every hash, refuses a backup without its keys, refuses a data dir that is not
empty, and proves that the key opens the events before anything is put in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from adapters.storage.atomic import fsync_dir
from adapters.storage.keys import KEY_FILE

MANIFEST = "manifest.json"
EVENTS = "events.sqlite"
KEYS = "keys"
FORMAT = 1
_CHUNK = 1 << 20


class BackupRefused(Exception):
    """A backup or restore that cannot be done safely; the message is one line for the user."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds."""

    folder: Path
    event_store: str
    events: int
    video_keys: int
    cipher_key_included: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
        dst.flush()
        os.fsync(dst.fileno())


def _copy_events(database: Path, target: Path) -> int:
    """Copy the SQLite store online (a consistent snapshot); return its last event's position."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        row = copy.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    except sqlite3.OperationalError as error:
        raise BackupRefused(f"the event store could not be read ({error})") from None
    finally:
        copy.close()
        source.close()
    return int(row[0] or 0)


def back_up(
    data_dir: Path, sqlite_store: bool, key_configured: bool, target: Path
) -> BackupSummary:
    """Write a backup of ``data_dir`` into the new folder ``target`` (built aside, then renamed).

    Args:
        data_dir: the installation's data directory.
        sqlite_store: whether the events are in ``data_dir/events.sqlite`` (else PostgreSQL).
        key_configured: the cipher key comes from ``ENDOVEIL_CIPHER_KEY``, not ``cipher.key``.
        target: a folder that does not exist yet.

    """
    if target.exists() and any(target.iterdir()):
        raise BackupRefused(f"{target} is not empty; back up into a new folder")
    temp = target.with_name(f".{target.name}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(mode=0o700, parents=True)
    events = 0
    if sqlite_store:
        if not (data_dir / EVENTS).exists():
            raise BackupRefused(f"no event store in {data_dir}")
        events = _copy_events(data_dir / EVENTS, temp / EVENTS)
    key_file = data_dir / KEY_FILE
    if key_file.exists():
        _private_copy(key_file, temp / KEY_FILE)
    elif not key_configured:
        raise BackupRefused(f"no cipher key in {data_dir}: without it no event can be read")
    video_keys = sorted((data_dir / KEYS).glob("*.key")) if (data_dir / KEYS).is_dir() else []
    for key in video_keys:
        _private_copy(key, temp / KEYS / key.name)
    files = sorted(p for p in temp.rglob("*") if p.is_file())
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "endoveil": metadata.version("endoveil"),
        "created_at": datetime.now(UTC).isoformat(),
        "event_store": "sqlite" if sqlite_store else "postgresql (back up with pg_dump)",
        "last_event_position": events,
        "cipher_key": "included" if key_file.exists() else "ENDOVEIL_CIPHER_KEY (kept elsewhere)",
        "video_keys": len(video_keys),
        "files": {str(p.relative_to(temp)): _sha256(p) for p in files},
    }
    (temp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    os.chmod(temp / MANIFEST, 0o600)
    if target.exists():
        target.rmdir()
    os.replace(temp, target)
    fsync_dir(target.parent)
    return BackupSummary(
        target, manifest["event_store"], events, len(video_keys), key_file.exists()
    )


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``, after checking every file against its hash."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupRefused(
            f"{source} is not an endoveil backup (no readable {MANIFEST})"
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupRefused(f"the backup is incomplete: {name} is missing")
        if _sha256(path) != digest:
            raise BackupRefused(f"the backup is damaged: {name} does not match its hash")
    listed_keys = [n for n in manifest["files"] if n.startswith(f"{KEYS}/")]
    if len(listed_keys) != manifest["video_keys"]:
        raise BackupRefused("the backup is incomplete: its video keys are missing")
    return manifest
