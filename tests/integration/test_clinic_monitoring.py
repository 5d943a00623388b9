"""Running it in a clinic (#18): the scrape config, the dashboard, the clinic metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from adapters.canary.record import CanaryResult, record
from adapters.heartbeat import HEARTBEAT_FILE, last_heartbeat, write_heartbeat
from adapters.watcher import InboxWatcher
from adapters.web import create_app
from tests.backends import OnPostgres, OnSQLite, Wire
from tests.serving import record_import, serving

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
README = ROOT / "README.md"
VIEWER = {"Authorization": "Bearer view-token"}
#: PromQL words that are not metric names (functions are told by the "(" that follows them).
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                "unless", "bool", "offset", "inf", "nan"}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads: identifiers that are neither label matchers,
    ranges, grouping labels, functions, keywords nor numbers."""
    bare = re.sub(r'"[^"]*"', "", expr)  # label values
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", bare)  # matchers and ranges
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)  # grouping labels
    bare = re.sub(r"\$\w+", "", bare)  # Grafana variables
    names = set(re.findall(r"(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()", bare))
    return names - PROMQL_WORDS


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_name_parser_finds_names_and_only_names() -> None:
    expr = 'sum by (le, level) (rate(endoveil_a_bucket{level="x"}[1h])) / on() endoveil_b > 0.5'
    assert metric_names(expr) == {"endoveil_a_bucket", "endoveil_b"}


class ClinicMetricsContract:
    def test_every_dashboard_expression_names_an_exported_metric(self, wire: Wire) -> None:
        services = wire(viewer_tokens="view-token", views_max_staleness=0)
        for n, outcome in enumerate(("anonymized", "raw", "failed"), start=1):
            record_import(services.library, n, outcome)
        write_heartbeat(services.settings.data_dir, now=1_700_000_000.5)
        now = datetime.now(UTC).isoformat()
        canary = CanaryResult(now, True, True, "fallback_basic", "masked", [], "tesseract", 1.0)
        record(services.settings.data_dir, canary)
        with serving(create_app(services)) as url:
            text = httpx.get(f"{url}/metrics", headers=VIEWER).text
        samples = {s.name: s for f in text_string_to_metric_families(text) for s in f.samples}
        used = set().union(*(metric_names(expr) for expr in dashboard_expressions()))
        assert used and used <= set(samples), used - set(samples)
        assert {"endoveil_level_duration_seconds_bucket", "endoveil_raw_copies_total"} <= used
        [info] = [s for s in samples.values() if s.name == "endoveil_build_info"]
        assert info.value == 1 and re.fullmatch(r"\d+\.\d+\.\d+.*", info.labels["version"])
        newest = services.projections.videos.page(limit=1)[0].imported_at
        assert newest is not None
        last = samples["endoveil_last_import_timestamp_seconds"].value
        assert last == newest.timestamp()
        assert datetime.now(UTC) - datetime.fromtimestamp(last, UTC) < timedelta(minutes=5)
        assert samples["endoveil_watcher_last_seen_timestamp_seconds"].value == 1_700_000_000.5
        threshold = samples["endoveil_import_silence_threshold_seconds"].value
        assert threshold == services.settings.import_silence_seconds

    def test_an_empty_store_has_no_last_import_nor_heartbeat(self, wire: Wire) -> None:
        services = wire(
            viewer_tokens="view-token", views_max_staleness=0, import_silence_seconds=60
        )
        with serving(create_app(services)) as url:
            text = httpx.get(f"{url}/metrics", headers=VIEWER).text
        names = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
        assert "endoveil_last_import_timestamp_seconds" not in names
        assert "endoveil_watcher_last_seen_timestamp_seconds" not in names
        assert names["endoveil_import_silence_threshold_seconds"] == 60


class TestClinicMetricsOnSQLite(OnSQLite, ClinicMetricsContract):
    pass


class TestClinicMetricsOnPostgres(OnPostgres, ClinicMetricsContract):
    pass


def test_the_running_watcher_beats(tmp_path: Path) -> None:
    beats: list[float] = []
    watcher = InboxWatcher(tmp_path / "inbox", lambda path: None,  # type: ignore[arg-type,return-value]
                           heartbeat=lambda: beats.append(1.0))  # fmt: skip
    stop = threading.Event()
    runner = threading.Thread(target=watcher.run, args=(stop, 0.05))
    runner.start()
    try:
        for _ in range(100):
            if len(beats) >= 3:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        runner.join(timeout=10)
    assert len(beats) >= 3  # once per wake-up, so at least every poll


def test_a_heartbeat_file_is_read_back_and_garbage_is_none(tmp_path: Path) -> None:
    assert last_heartbeat(tmp_path) is None
    write_heartbeat(tmp_path, now=42.25)
    assert last_heartbeat(tmp_path) == 42.25
    (tmp_path / HEARTBEAT_FILE).write_text("not a number")
    assert last_heartbeat(tmp_path) is None


def test_promtool_accepts_the_scrape_config(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: .ci/run installs Debian's prometheus package"
    token = tmp_path / "viewer.token"
    token.write_text("view-token\n")
    config = (DEPLOY / "prometheus.yml").read_text()
    assert "credentials_file: /etc/prometheus/endoveil-viewer.token" in config
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/endoveil-viewer.token", str(token))
    )
    shutil.copy(DEPLOY / "alerts.yml", tmp_path / "alerts.yml")
    done = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_says_what_to_do_for_every_alert() -> None:
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"][0]["rules"]
    section = README.read_text().split("## Running it in a clinic", 1)[1].split("\n## ", 1)[0]
    missing = [rule["alert"] for rule in rules if f"- `{rule['alert']}`:" not in section]
    assert rules and missing == []
