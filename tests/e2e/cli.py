"""Running the real ``endoveil`` command in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class Run:
    """What one command printed and returned."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def endoveil(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """Run ``endoveil --data-dir DATA ARGS...`` with Ollama down unless ``env`` says otherwise."""
    environment = {**os.environ, "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
    environment.pop("ENDOVEIL_CIPHER_KEY", None)
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)
