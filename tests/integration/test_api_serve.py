"""``endoveil serve`` as a user starts it: without tokens it says that nobody will get data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli.service_commands import NO_TOKENS
from tests.serving import free_port


def _first_lines(data_dir: Path, tokens: dict[str, str]) -> list[str]:
    """What ``serve`` writes to stderr up to its "serving" line (then it is stopped)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKENS")} | tokens
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir), "serve", "--port",
         str(free_port())],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if "serving http://" in line:
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert any("serving http://" in line for line in lines), lines
    return lines


@pytest.mark.parametrize(
    ("tokens", "warned"), [({}, True), ({"ENDOVEIL_VIEWER_TOKENS": "view-token"}, False)]
)
def test_serve_says_when_every_call_will_be_401(
    tmp_path: Path, tokens: dict[str, str], warned: bool
) -> None:
    lines = _first_lines(tmp_path, tokens)
    assert (NO_TOKENS in lines) is warned, lines
