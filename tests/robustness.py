"""Helpers of the fault, hostile-input and fuzz tests (issue #8): an offline importer,
the checks that nothing was lost or leaked, and the figures they feed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from adapters.bootstrap import Services, build
from adapters.settings import Settings
from domain.importer import ImportReport
from domain.ports import Masker
from tests.e2e.cli import closed_port
from tests.figures import record

PLANTED_NAME = "Mustermann"  # a fake patient name planted in file names and burned-in text


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def offline_services(data_dir: Path, masker: Masker | None = None) -> Services:
    """endoveil wired on ``data_dir`` with Ollama down (a closed local port)."""
    settings = Settings(data_dir=data_dir, ollama_host=f"http://127.0.0.1:{closed_port()}")
    return build(settings, masker=masker)


def raw_original(data_dir: Path, report: ImportReport) -> Path | None:
    """The kept original of a reported video, if it has one."""
    if report.video_id is None:
        return None
    return next((data_dir / "raw").glob(f"{report.video_id}.*"), None)


def count_lost(source: Path, before: str | None, data_dir: Path, report: ImportReport) -> int:
    """Count (and record) a lost video: the input changed or vanished, or its original did.

    Args:
        source: the input file as given.
        before: its SHA-256 before the import, or None if it was no regular file.
        data_dir: the data directory the import used.
        report: what the import said.
    """
    lost = 0
    if before is not None and (not source.is_file() or sha256(source) != before):
        lost += 1
    original = raw_original(data_dir, report)
    if report.video_id is not None and (original is None or sha256(original) != before):
        lost += 1
    record("videos_lost", lost)
    return lost


def count_leaks(data_dir: Path, *texts: str, name: str = PLANTED_NAME) -> int:
    """Count (and record) where ``name`` shows up: the log, the event store's bytes, the file
    names in the data dir and the given command outputs."""
    needle = name.encode()
    places: list[bytes] = [text.encode() for text in texts]
    for path in sorted(data_dir.rglob("*")):
        places.append(path.name.encode())
        if path.is_file() and (path.name.startswith("events.sqlite") or path.suffix == ".log"):
            places.append(path.read_bytes())
    leaks = sum(place.count(needle) for place in places)
    record("names_leaked", leaks)
    return leaks


def partials(data_dir: Path) -> list[Path]:
    """Temporary files left anywhere in the data dir."""
    return [path for path in data_dir.rglob("*") if path.name.endswith(".partial")]
