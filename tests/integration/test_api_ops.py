"""Operations: Prometheus metrics over real HTTP (on both stores), the alert rules, JSON logs."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from adapters import logs
from adapters.web import create_app
from adapters.web.prometheus import STATUS_CODES, THRESHOLDS
from domain.pipeline import RAW_COPY_LOG
from projections.metrics import WARNING, failure_status, fallback_status, success_status
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire
from tests.serving import record_import, serving

ROOT = Path(__file__).resolve().parents[2]
VIEWER = {"Authorization": "Bearer view-token"}


class PrometheusContract(OnBackend):
    """``GET /metrics`` on one store (several unnamed SUM columns once broke PostgreSQL)."""

    def test_prometheus_metrics_from_the_views(self, wire: Wire) -> None:
        services = wire(viewer_tokens="view-token", views_max_staleness=0)
        settings = services.settings
        for n, outcome in enumerate(("anonymized", "anonymized", "raw", "failed"), start=1):
            record_import(services.library, n, outcome)
        for _ in range(settings.circuit_threshold):
            services.circuit.record(ollama_failed=True, reason="ollama_unavailable")
        with serving(create_app(services)) as url:
            response = httpx.get(f"{url}/metrics", headers=VIEWER)
        assert response.headers["content-type"].startswith("text/plain")
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples
        }

        def value(name: str, **labels: str) -> float:
            return samples[(name, tuple(sorted(labels.items())))]

        assert value("endoveil_imports", outcome="anonymized") == 2
        assert value("endoveil_imports", outcome="raw_copy") == 1
        assert value("endoveil_imports", outcome="failed") == 1
        assert value("endoveil_fallbacks", level="frame_cleaning", reason="ollama_unavailable") == 3
        assert value("endoveil_rate_percent", rate="anonymization_success", window="all_time") == 50
        assert value("endoveil_rate_status", rate="import_failure", window="last_100") == 2
        level2 = {"level": "fallback_basic", "outcome": "output"}
        assert value("endoveil_level_duration_seconds_count", **level2) == 2
        assert value("endoveil_level_duration_seconds_sum", **level2) == 5.0
        assert value("endoveil_level_duration_seconds_bucket", le="1.0", **level2) == 0
        assert value("endoveil_level_duration_seconds_bucket", le="+Inf", **level2) == 2
        assert value("endoveil_ollama_circuit_state", state="open") == 1
        assert value("endoveil_ollama_consecutive_failures") == settings.circuit_threshold


class TestPrometheusOnSQLite(OnSQLite, PrometheusContract):
    pass


class TestPrometheusOnPostgres(OnPostgres, PrometheusContract):
    pass


@pytest.mark.parametrize(
    ("rate", "judge", "direction"),
    [("anonymization_success", success_status, -1), ("fallback_usage", fallback_status, 1),
     ("import_failure", failure_status, 1)],
)  # fmt: skip
def test_exported_thresholds_are_those_of_the_metrics(
    rate: str, judge: object, direction: int
) -> None:
    assert callable(judge)
    warning, critical = THRESHOLDS[rate]["warning"], THRESHOLDS[rate]["critical"]
    assert judge(warning) == WARNING and judge(critical) == WARNING
    assert judge(warning - direction * 0.01) == "good"
    assert judge(critical + direction * 0.01) == "critical"


def test_alert_rules_cover_raw_copies_and_every_threshold() -> None:
    rules = yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text())["groups"][0]["rules"]
    by_name = {rule["alert"]: rule["expr"] for rule in rules}
    assert "increase(endoveil_raw_copies_total[" in by_name["NonAnonymizedVideoImported"]
    assert "endoveil_unreviewed_raw_copies" in by_name["RawCopiesAwaitingReview"]
    for rate in THRESHOLDS:
        name = "".join(word.title() for word in rate.split("_")) + "Rate"
        for severity in ("warning", "critical"):
            expr = by_name[f"{name}{severity.title()}"]
            assert f'rate="{rate}"' in expr and expr.endswith(f"== {STATUS_CODES[severity]}")


def test_promtool_accepts_the_alert_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: .ci/run installs Debian's prometheus package"
    done = subprocess.run([promtool, "check", "rules", str(ROOT / "deploy" / "alerts.yml")],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_of_the_alert_rules_pass() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: .ci/run installs Debian's prometheus package"
    done = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=ROOT / "deploy",
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_json_logs_keep_the_raw_copy_line(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    logs.configure(tmp_path, verbose=False, fmt="json")
    try:
        logging.getLogger("domain.pipeline").warning("%s: video %s", RAW_COPY_LOG, "1234")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        root.handlers[:], root.level = saved, level
    [entry] = [
        json.loads(line) for line in (tmp_path / "logs" / "endoveil.log").read_text().splitlines()
    ]
    assert entry["level"] == "WARNING" and entry["message"] == f"{RAW_COPY_LOG}: video 1234"
