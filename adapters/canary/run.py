"""``endoveil canary``: prove that anonymization still works, on a video with known fake text.

A synthetic recording with a fake patient burned in goes through the configured chain (the
same Ollama, models and masking) in a scratch data directory with an event store of its own,
so it never counts in the clinic's metrics. Tesseract then judges the output. The result is
kept in ``canary.json`` of the real data directory (what ``/metrics`` reports) and logged.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.bootstrap import build
from adapters.canary.judge import JudgeUnavailable, judge_version, leaks_in_video
from adapters.canary.record import CanaryResult, record
from adapters.demo.synthetic import Layout, make_video
from adapters.settings import Settings
from domain.ports import FrameCleaner, Masker

#: The fake patient of the canary: never a real person's data.
CANARY_PATIENT = "Kanarienvogel, Testpatient"
SECRETS = (CANARY_PATIENT, "12.03.1955")


def run_canary(
    settings: Settings,
    layout: str | Layout = "olympus",
    seconds: float = 2.0,
    *,
    cleaner: FrameCleaner | None = None,
    masker: Masker | None = None,
) -> CanaryResult:
    """Run the canary with ``settings``' chain; record and return the result.

    ``cleaner`` and ``masker`` replace the configured levels (tests prove a leak is caught).
    """
    started = time.monotonic()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".canary-", dir=settings.data_dir) as scratch:
        source = make_video(
            Path(scratch) / "canary.mp4", layout, seconds, seed=16, patient=CANARY_PATIENT
        ).path
        scratch_settings = settings.model_copy(
            update={
                "data_dir": Path(scratch) / "data",
                "event_store": "sqlite",
                "postgres_schema": "",
                "cipher_key": None,
                "release_policy": "auto",
            }
        )
        services = build(scratch_settings, cleaner, masker)
        try:
            report = services.importer.import_file(str(source))
            output = (
                services.store.locate(report.output)
                if report.anonymized and report.output
                else None
            )
            judge, leaks = _judge(output)
        finally:
            services.library.close()
    level = report.level.value if report.level else None
    passed = report.anonymized and not leaks and judge != "unavailable"
    result = CanaryResult(
        datetime.now(UTC).isoformat(),
        passed,
        report.anonymized,
        level,
        report.reason,
        leaks,
        judge,
        round(time.monotonic() - started, 2),
    )
    record(settings.data_dir, result)
    return result


def _judge(output: str | None) -> tuple[str, list[str]]:
    try:
        version = judge_version()
    except JudgeUnavailable:
        return "unavailable", []
    return version, leaks_in_video(output, SECRETS) if output else []
