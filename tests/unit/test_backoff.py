"""The pauses of a follower whose database went away: doubling, bounded, reset on success."""

from __future__ import annotations

import logging

import pytest

from projections.follow import Backoff


def test_pauses_double_up_to_the_bound_and_restart(caplog: pytest.LogCaptureFixture) -> None:
    slept: list[float] = []
    backoff = Backoff(first=0.1, most=1.0, sleep=slept.append)
    with caplog.at_level(logging.WARNING, logger="projections.follow"):
        for _ in range(6):
            backoff.failed("worker")
    assert slept == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    assert all(r.getMessage().startswith("worker: the event store is unreachable")
               for r in caplog.records)  # fmt: skip
    backoff.succeeded()
    backoff.failed("worker")
    assert slept[-1] == pytest.approx(0.1)
