"""Process-wide figures of the robustness tests (issue #8), printed after the test run.

Tests call :func:`record`; ``tests/conftest.py`` prints :func:`summary` in the terminal summary.
``videos_lost`` and ``names_leaked`` must stay 0: the tests that count them also assert it.
"""

from __future__ import annotations

from collections import Counter

NAMES = ("trials", "faults_injected", "bad_inputs", "videos_lost", "names_leaked")
FIGURES: Counter[str] = Counter()


def record(name: str, n: int = 1) -> None:
    """Add ``n`` to the figure ``name`` (one of :data:`NAMES`).

    Raises:
        ValueError: ``name`` is not a known figure (a typo would silently print nothing).
    """
    if name not in NAMES:
        raise ValueError(f"unknown figure {name!r}; known: {', '.join(NAMES)}")
    FIGURES[name] += n


def summary() -> str:
    """One line with every figure, in the order of :data:`NAMES`."""
    return "endoveil figures: " + " ".join(f"{name}={FIGURES[name]}" for name in NAMES)
