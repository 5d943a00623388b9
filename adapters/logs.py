"""Logging: everything to ``<data-dir>/logs/endoveil.log``, only what was asked for to stderr.

Log records name videos by id only; file names may contain patient names and are never logged.
With ``ENDOVEIL_LOG_FORMAT=json`` every record is one JSON object per line, for log shippers
and log-based alerting (e.g. on the raw-copy line of ``domain.pipeline.RAW_COPY_LOG``).
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def frames_only(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """A traceback without any exception message: code locations and exception types only.

    Messages of file errors name the file, and an input's name may be a patient's name, so
    no message of an exception ever reaches the log (or stderr with ``--verbose``).
    """
    lines = ["Traceback (most recent call last, messages withheld):"]
    error: BaseException | None = exc_info[1]
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        lines.extend(f"  {f.filename}:{f.lineno} in {f.name}" for f in frames)
        lines.append(type(error).__qualname__)
        error = error.__cause__ or error.__context__
        if error is not None:
            lines.append("caused by:")
    return "\n".join(lines)


class TextFormatter(logging.Formatter):
    """The text log; tracebacks show frames, never exception messages."""

    def formatException(self, ei: Any) -> str:
        """Frames and types only (see :func:`frames_only`)."""
        return frames_only(ei)


class JsonFormatter(TextFormatter):
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
    return JsonFormatter() if fmt == "json" else TextFormatter(FORMAT)


def configure(data_dir: Path, verbose: bool, fmt: str = "text") -> None:
    """Send INFO and up to the log file; to stderr only with ``verbose``; ``fmt`` text or json."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    log_dir = data_dir / "logs"
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_file = log_dir / "endoveil.log"
    os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))  # private
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(formatter(fmt))
    root.addHandler(to_file)
    if verbose:
        to_stderr = logging.StreamHandler()
        to_stderr.setFormatter(formatter(fmt))
        root.addHandler(to_stderr)
