"""The data dir read-only (issue #8): a clear one-line error naming it, exit code 2, no
traceback, the input untouched.

Root ignores file permissions, and the interpreter lives under /root where ``nobody`` cannot
reach it, so the command runs as root without ``CAP_DAC_OVERRIDE``/``CAP_DAC_READ_SEARCH``
(dropped from the bounding set by ``setpriv``): then the permission bits apply to it too.
Decision for a data dir turned read-only after imports: every command (``status`` included)
writes the log and catches the views up, so it gets the same one-line error, and nothing in
the data dir changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import Run, closed_port, endoveil
from tests.figures import record
from tests.robustness import PLANTED_NAME, sha256

pytestmark = pytest.mark.slow
_DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def _unprivileged(data_dir: Path, *args: str) -> Run:
    """Run ``endoveil`` as root that has to respect file permissions."""
    env = {**os.environ, "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
    env.pop("ENDOVEIL_CIPHER_KEY", None)
    command = [*_DROP, sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module", autouse=True)
def _permissions_apply(tmp_path_factory: pytest.TempPathFactory) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop the permission override")
    locked = tmp_path_factory.mktemp("locked")
    locked.chmod(0o555)
    probe = subprocess.run([*_DROP, "touch", str(locked / "x")], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the permission override could not be dropped here")


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in folder.rglob("*") if p.is_file()}


def _assert_one_line_error(run: Run, data_dir: Path) -> None:
    assert run.code == 2, (run.out, run.err)
    assert "Traceback" not in run.err
    assert run.err.splitlines() == [
        f"endoveil: data directory {data_dir} is not writable (Permission denied)"
    ]


def test_import_into_a_read_only_data_dir_is_a_one_line_error(tmp_path: Path) -> None:
    source = tmp_path / f"{PLANTED_NAME} video.mp4"
    make_video(source, circle_layout(320, 240), seconds=0.2)
    before = sha256(source)
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o555)

    run = _unprivileged(data_dir, "import", str(source), "--json")
    record("trials")
    record("faults_injected")

    _assert_one_line_error(run, data_dir)
    assert run.out == ""
    assert list(data_dir.iterdir()) == []
    assert sha256(source) == before


def test_a_data_dir_turned_read_only_after_imports(tmp_path: Path) -> None:
    source = tmp_path / "notes.mp4"
    source.write_bytes(b"not a video, only notes\n" * 40)
    data_dir = tmp_path / "data"
    imported = endoveil(data_dir, "import", str(source), "--json")
    assert imported.code == 1 and imported.json_lines()[0]["reason"] == "not_a_video"
    _make_read_only(data_dir)
    stored = _snapshot(data_dir)

    for args in (("status",), ("metrics",), ("import", str(source))):
        run = _unprivileged(data_dir, *args)
        record("trials")
        record("faults_injected")
        _assert_one_line_error(run, data_dir)
    assert _snapshot(data_dir) == stored
