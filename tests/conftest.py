"""Shared fixtures."""

from __future__ import annotations

import pytest

from domain.application import VideoLibrary
from tests.fake_ollama import fake_ollama  # noqa: F401  (a fixture for every test)


@pytest.fixture
def library() -> VideoLibrary:
    """An in-memory event store (unit tests)."""
    return VideoLibrary(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the robustness figures of issue #8 (trials, faults, bad inputs, losses, leaks)."""
    from tests.figures import FIGURES, summary

    if FIGURES:
        terminalreporter.write_line(summary())
