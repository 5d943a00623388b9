"""Logging: everything to ``<data-dir>/logs/endoveil.log``, only what was asked for to stderr.

Log records name videos by id only; file names may contain patient names and are never logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(data_dir: Path, verbose: bool) -> None:
    """Send INFO and up to the log file; to stderr only with ``verbose``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_dir / "endoveil.log", encoding="utf-8")
    to_file.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(to_file)
    if verbose:
        to_stderr = logging.StreamHandler()
        to_stderr.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(to_stderr)
