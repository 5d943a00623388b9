"""Level 1 parts without video: rules, shapes, tracking spans, the circuit breaker."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from adapters.cleaning.circuit import CircuitBreaker
from adapters.cleaning.rules import keep_visible, rule_category, shape
from adapters.cleaning.tracking import Tracker


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Mustermann, Erika", "patient_name"),
        ("Mustermann,Erika", "patient_name"),
        ("12.03.1955", "birth_date"),
        ("14.10.2025 16:11:05", "exam_datetime"),
        ("14.10.202516:11:05", "exam_datetime"),  # OCR dropped the space
        ("CV-1500", "device_info"),
        ("CV-190 EVIS", "device_info"),
        ("Intervention 2", "patient_name"),  # name-like and a number: assume the worst
        ("zoom", "other"),
    ],
)
def test_rules_are_suspicious(text: str, category: str) -> None:
    assert rule_category(text) == category


def test_a_line_stays_visible_only_when_model_and_rules_agree() -> None:
    assert keep_visible("device_info", "CV-1500")
    assert not keep_visible("patient_name", "CV-1500")  # the model says no
    assert not keep_visible("device_info", "Mustermann, Erika")  # the rules say no
    assert not keep_visible("other", "12.03.1955")
    assert not keep_visible(None, "zoom")  # the model did not say


def test_a_ticking_clock_keeps_its_shape() -> None:
    assert shape("14.10.2025 16:11:05") == shape("14.10.2025 16:11:06") == "##.##.#### ##:##:##"
    assert shape("Mustermann,  Erika") == "Mustermann, Erika"


def test_a_box_is_masked_from_the_sample_after_the_last_look_without_it() -> None:
    tracker = Tracker()
    full = (0, 0, 640, 360)
    tracker.add_sample(0, full, [((10, 10, 100, 30), "Mustermann, Erika")])
    tracker.add_sample(40, full, [((10, 10, 100, 30), "Mustermann, Erika")])
    tracker.add_sample(60, (0, 40, 200, 80), [((10, 50, 90, 70), "Late, Text")])
    tracker.add_sample(100, full, [((10, 50, 90, 70), "Late, Text")])
    name, late = tracker.tracks
    assert tracker.span(name, 150) == (0, 99)  # gone at 100: may have lasted until 99
    assert tracker.span(late, 150) == (41, 149)  # the crop at 60 saw it; 40 looked there
    masks = tracker.masked_spans(150, margin=4, width=640, height=360)
    assert masks[0].rect == (6, 6, 104, 34)


def test_a_clock_is_one_track_whatever_it_shows() -> None:
    tracker = Tracker()
    tracker.add_sample(0, (0, 0, 640, 360), [((10, 10, 150, 30), "14.10.2025 16:11:05")])
    tracker.add_sample(25, (0, 0, 640, 360), [((10, 11, 150, 31), "14.10.2025 16:11:06")])
    assert len(tracker.tracks) == 1
    assert len(tracker.tracks[0].texts) == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_circuit_opens_after_threshold_then_one_probe_decides(tmp_path: Path) -> None:
    clock = Clock()
    breaker = CircuitBreaker(tmp_path / "circuit.json", 3, 60.0, 200.0, clock)
    for _ in range(2):
        breaker.record(True, "ollama_unavailable")
        assert breaker.admit().allowed
    breaker.record(True, "ollama_timeout")
    skipped = breaker.admit()
    assert not skipped.allowed and skipped.retry_in_s == pytest.approx(60.0)
    assert breaker.describe()[0] == "open"
    clock.now += 61
    probe = breaker.admit()
    assert probe.allowed and probe.probe
    assert not breaker.admit().allowed  # one probe at a time
    breaker.record(True, "ollama_unavailable")  # the probe failed: open again
    assert not breaker.admit().allowed
    clock.now += 61
    assert breaker.admit().probe
    breaker.record(False)
    assert breaker.describe() == ("closed", 0.0)
    assert json.loads((tmp_path / "circuit.json").read_text())["failures"] == 0


def test_a_success_resets_the_count(tmp_path: Path) -> None:
    breaker = CircuitBreaker(tmp_path / "c.json", threshold=2)
    breaker.record(True, "ollama_error")
    breaker.record(False)
    breaker.record(True, "ollama_error")
    assert breaker.admit().allowed


def test_a_broken_state_file_reads_as_closed(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{not json")
    assert CircuitBreaker(tmp_path / "c.json").admit().allowed


def _fail_many(path: str, count: int) -> None:
    breaker = CircuitBreaker(Path(path), threshold=10_000)
    for _ in range(count):
        breaker.record(True, "ollama_unavailable")


def test_two_processes_lose_no_update(tmp_path: Path) -> None:
    path = str(tmp_path / "c.json")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_fail_many, args=(path, 40)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert CircuitBreaker(Path(path)).state().failures == 80
