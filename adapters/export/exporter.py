"""``endoveil export``: released videos copied out as ``<video_id>.mp4`` with a manifest.

The export is built in a hidden temp folder beside the destination and renamed onto it once
complete, so the destination holds either nothing or the whole export. Each file is hashed
while it is copied and must be the very bytes that were released (the approval's SHA-256).
Running the same export again finds the same manifest and copies nothing; events missing
from an export interrupted after the rename are recorded then.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.bootstrap import Services
from adapters.storage.atomic import fsync_dir
from domain.rulebook import Level
from domain.video import Video
from projections.releases import ReleaseRecord

_CHUNK = 1 << 20
MANIFEST_FIELDS = (
    "video_id", "file", "sha256", "level", "verification", "versions", "release_decision",
    "reviewer", "decided_at", "export_id", "exported_at",
)  # fmt: skip


class ExportRefused(Exception):
    """The destination cannot take this export (it holds something else)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export did."""

    export_id: str
    destination: Path
    entries: list[dict[str, Any]]
    skipped: list[str]  # ids whose output no longer matches the released bytes
    already_done: bool


def export_released(
    services: Services, destination: Path, start: datetime, end: datetime, exporter: str,
    now: datetime,
) -> ExportResult:  # fmt: skip
    """Export every video released and imported in ``[start, end)`` to ``destination``.

    Raises:
        ExportRefused: ``destination`` exists and holds anything but this same export.
    """
    services.catch_up()
    records = services.projections.releases.released(start, end)
    existing = _read_manifest(destination)
    if existing is not None and _same(existing["videos"], records):
        _record_events(services, existing["videos"])
        return ExportResult(existing["export_id"], destination, existing["videos"], [], True)
    if destination.exists() and (existing is not None or any(destination.iterdir())):
        raise ExportRefused(f"{destination} already holds other files; export to a new folder")
    export_id = uuid.uuid4().hex
    temp = destination.with_name(f".{destination.name}.{export_id}.partial")
    temp.mkdir(parents=True)
    try:
        entries, skipped = _copy_all(services, records, temp, export_id, exporter, now)
        _write_manifests(temp, export_id, entries)
        if destination.exists():
            destination.rmdir()  # empty: checked above
        temp.rename(destination)
        fsync_dir(destination.parent)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    _record_events(services, entries)
    return ExportResult(export_id, destination, entries, skipped, False)


def _copy_all(
    services: Services, records: list[ReleaseRecord], folder: Path, export_id: str,
    exporter: str, now: datetime,
) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
    entries, skipped = [], []
    for record in records:
        video = services.library.get(uuid.UUID(record.video_id))
        if video.level is Level.RAW_COPIED or video.output is None:  # never a raw copy
            continue
        target = folder / f"{record.video_id}.mp4"
        sha = _copy_hashing(Path(services.store.locate(video.output)), target)
        if sha != record.released_sha256:
            target.unlink()
            skipped.append(record.video_id)
            continue
        archived = _last_archive(services, video)
        entries.append({
            "video_id": record.video_id, "file": target.name, "sha256": sha,
            "level": video.level.value if video.level else None,
            "verification": archived.verification, "versions": dict(archived.versions),
            "release_decision": record.decision_reason, "reviewer": record.decided_by,
            "decided_at": record.decided_at, "export_id": export_id,
            "exported_at": now.isoformat(), "exporter": exporter,
        })  # fmt: skip
    return entries, skipped


def _last_archive(services: Services, video: Video) -> Any:
    history = services.library.history(video.id)
    return [e for e in history if isinstance(e, Video.Archived)][-1]


def _copy_hashing(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())  # on disk before the folder's rename makes it visible
    return digest.hexdigest()


def _write_manifests(folder: Path, export_id: str, entries: list[dict[str, Any]]) -> None:
    manifest = {"export_id": export_id, "contains_patient_data": False, "videos": entries}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*MANIFEST_FIELDS, "exporter"])
        for entry in entries:
            row = {**entry, "versions": json.dumps(entry["versions"], sort_keys=True)}
            writer.writerow([row[field] for field in (*MANIFEST_FIELDS, "exporter")])


def _read_manifest(destination: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((destination / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest if "export_id" in manifest and "videos" in manifest else None


def _same(entries: list[dict[str, Any]], records: list[ReleaseRecord]) -> bool:
    wanted = {(r.video_id, r.released_sha256) for r in records}
    return {(e["video_id"], e["sha256"]) for e in entries} == wanted


def _record_events(services: Services, entries: list[dict[str, Any]]) -> None:
    """An ``Exported`` event per video, unless the export already has it (a rerun)."""
    releases = services.projections.releases
    services.catch_up()
    recorded = {
        (row["video_id"], row["export_id"])
        for row in releases.query(f"SELECT video_id, export_id FROM {releases.table('exports')}")
    }
    for entry in entries:
        if (entry["video_id"], entry["export_id"]) not in recorded:
            services.desk.record_export(uuid.UUID(entry["video_id"]), entry["export_id"],
                                        entry["sha256"], entry["exporter"])  # fmt: skip
    services.catch_up()
