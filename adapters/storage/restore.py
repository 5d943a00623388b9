"""Restore a backup made by :mod:`adapters.storage.backup` into an empty data directory."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import MapperDeserialisationError

from adapters.storage.atomic import fsync_dir
from adapters.storage.backup import EVENTS, KEYS, BackupRefused, read_manifest
from adapters.storage.keys import KEY_FILE
from domain.application import VideoLibrary

_PROVE_EVENTS = 50  # events decoded to prove the key opens the store (a wrong key fails at once)


@dataclass(frozen=True)
class RestoreSummary:
    """What was put in place."""

    events: int
    video_keys: int


def _is_empty(data_dir: Path) -> bool:
    keys = data_dir / KEYS
    return not (
        (data_dir / EVENTS).exists()
        or (data_dir / KEY_FILE).exists()
        or (keys.is_dir() and any(keys.iterdir()))
    )


def _prove_key_opens(events: Path, key: str) -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(events),
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": key,
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }
    library = VideoLibrary(env=env)
    try:
        for notification in library.recorder.select_notifications(None, _PROVE_EVENTS):
            library.mapper.to_domain_event(notification)
    except (MapperDeserialisationError, ValueError):
        raise BackupRefused("the cipher key does not open the backed-up events") from None
    finally:
        library.close()


def restore(source: Path, data_dir: Path, configured_key: str | None) -> RestoreSummary:
    """Check the backup in ``source`` whole, then put it into the empty ``data_dir``.

    Args:
        source: a backup folder.
        data_dir: the data directory to restore into; it must hold no events and no keys.
        configured_key: ``ENDOVEIL_CIPHER_KEY``, needed when the backup holds no ``cipher.key``.

    """
    manifest = read_manifest(source)
    files: dict[str, str] = manifest["files"]
    if KEY_FILE in files:
        key = (source / KEY_FILE).read_text().strip()
    elif configured_key:
        key = configured_key
    else:
        raise BackupRefused(
            "this backup holds no cipher key (cipher.key): its events cannot be read; "
            "set ENDOVEIL_CIPHER_KEY to the key kept elsewhere, or restore a backup with keys"
        )
    if not _is_empty(data_dir):
        raise BackupRefused(f"{data_dir} already holds events or keys; restore into an empty one")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = data_dir / ".restoring"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    try:
        _stage_and_place(source, data_dir, staging, files, key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreSummary(int(manifest["last_event_position"]), int(manifest["video_keys"]))


def _stage_and_place(
    source: Path, data_dir: Path, staging: Path, files: dict[str, str], key: str
) -> None:
    for name in files:
        target = staging / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)
        os.chmod(target, 0o600)
    if EVENTS in files:  # on the staged copy: opening a store may write to it
        _prove_key_opens(staging / EVENTS, key)
    # Keys first, the event store last: a store is never in place without its keys.
    for name in sorted(files, key=lambda n: n == EVENTS):
        target = data_dir / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(staging / name, target)
        fsync_dir(target.parent)
