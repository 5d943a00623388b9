"""The last canary result, kept in ``canary.json`` of the data directory (read by /metrics)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from adapters.storage.atomic import atomic_target

log = logging.getLogger(__name__)
RESULT_FILE = "canary.json"


@dataclass(frozen=True)
class CanaryResult:
    """One canary run: passed only if the output is anonymized and no secret is readable."""

    at: str
    passed: bool
    anonymized: bool
    level: str | None
    reason: str
    leaks: list[str]
    judge: str
    seconds: float


def record(data_dir: Path, result: CanaryResult) -> None:
    """Keep ``result`` as the data dir's last canary run (atomically) and log it."""
    with atomic_target(data_dir / RESULT_FILE) as temp:
        temp.write_text(json.dumps(asdict(result), indent=2) + "\n")
    outcome = "passed" if result.passed else "FAILED"
    log.log(
        logging.INFO if result.passed else logging.ERROR,
        "canary %s (anonymized %s, level %s, %d secret(s) readable, judge %s)",
        outcome,
        result.anonymized,
        result.level,
        len(result.leaks),
        result.judge,
    )


def last_result(data_dir: Path) -> CanaryResult | None:
    """The last recorded canary run, or None when none ran (or its record is unreadable)."""
    try:
        return CanaryResult(**json.loads((data_dir / RESULT_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None
