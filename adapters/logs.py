"""Logging: everything to ``<data-dir>/logs/endoveil.log``, only what was asked for to stderr.

Log records name videos by id only; file names may contain patient names and are never logged.
With ``ENDOVEIL_LOG_FORMAT=json`` every record is one JSON object per line, for log shippers
and log-based alerting (e.g. on the raw-copy line of ``domain.pipeline.RAW_COPY_LOG``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for ``text`` or ``json``."""
    return JsonFormatter() if fmt == "json" else logging.Formatter(FORMAT)


def configure(data_dir: Path, verbose: bool, fmt: str = "text") -> None:
    """Send INFO and up to the log file; to stderr only with ``verbose``; ``fmt`` text or json."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_dir / "endoveil.log", encoding="utf-8")
    to_file.setFormatter(formatter(fmt))
    root.addHandler(to_file)
    if verbose:
        to_stderr = logging.StreamHandler()
        to_stderr.setFormatter(formatter(fmt))
        root.addHandler(to_stderr)
