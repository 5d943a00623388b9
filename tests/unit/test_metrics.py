"""Metric thresholds, exactly at and around each boundary."""

from __future__ import annotations

import pytest

from projections.badge import Colour, badge_for
from projections.metrics import (
    CRITICAL,
    GOOD,
    NO_DATA,
    WARNING,
    failure_status,
    fallback_status,
    rate,
    success_status,
)


@pytest.mark.parametrize(
    ("percent", "status"),
    [(100, GOOD), (95.01, GOOD), (95, WARNING), (80, WARNING), (79.99, CRITICAL), (0, CRITICAL)],
)
def test_success_rate_thresholds(percent: float, status: str) -> None:
    assert success_status(percent) == status


@pytest.mark.parametrize(
    ("percent", "status"),
    [(0, GOOD), (4.99, GOOD), (5, WARNING), (20, WARNING), (20.01, CRITICAL), (100, CRITICAL)],
)
def test_fallback_rate_thresholds(percent: float, status: str) -> None:
    assert fallback_status(percent) == status


@pytest.mark.parametrize(
    ("percent", "status"),
    [(0, GOOD), (0.99, GOOD), (1, WARNING), (5, WARNING), (5.01, CRITICAL)],
)
def test_failure_rate_thresholds(percent: float, status: str) -> None:
    assert failure_status(percent) == status


def test_a_rate_with_nothing_finished_has_no_data() -> None:
    assert rate(0, 0, success_status).status == NO_DATA
    assert rate(19, 20, success_status).percent == 95.0


def test_badges() -> None:
    assert badge_for("archived", True, []) == badge_for("archived", True, ["x"])
    assert badge_for("archived", True, []).colour is Colour.GREEN
    raw = badge_for("archived", False, ["ollama_unavailable", "roi_uncertain"])
    assert (raw.text, raw.colour) == ("Raw (Not Anonymized)", Colour.ORANGE)
    assert raw.warning == (  # the reasons in plain words, not their codes
        "This video was imported without anonymization because Ollama could not be reached "
        "and the endoscope image could not be located with certainty. Please review before sharing."
    )
    old = badge_for("archived", False, ["a_code_of_old"]).warning
    assert old and "because a_code_of_old." in old  # an unknown code still renders
    assert badge_for("fallback_basic", False, []).text == "Processing"
    assert badge_for("failed", False, []).colour is Colour.RED
