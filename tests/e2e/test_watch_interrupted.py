"""The watcher interrupted with Ctrl-C, then restarted; and a name too long to claim.

Issue #17 items 6 and 7: the dead run's claim used to hold for the whole lease, so after a
restart the input went to ``done/`` while its video was still "Processing", and ``resume``
right after the Ctrl-C said "in progress in another run" when there was none. A file name
too long for the claim prefix crashed the watcher, printing the name in a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import closed_port, endoveil
from tests.robustness import PLANTED_NAME

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
    env.pop("ENDOVEIL_CIPHER_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C's usual meaning, even under a launcher that starts jobs with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def _wait_for_level_2(data_dir: Path, process: subprocess.Popen[str]) -> None:
    """Return once level 2 has started, with ``process`` frozen (SIGSTOP) until interrupted.

    Frozen, it cannot finish the import between here and the Ctrl-C, however fast the machine.
    """
    log = data_dir / "logs" / "endoveil.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and "level 2 masking started" in log.read_text():
            process.send_signal(signal.SIGSTOP)
            return
        time.sleep(0.02)
    raise AssertionError("level 2 never started")


def _interrupt(process: subprocess.Popen[str]) -> str:
    """Ctrl-C ``process``, frozen by ``_wait_for_level_2``: the signal waits for it to go on."""
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGCONT)
    _, err = process.communicate(timeout=60)
    return err


def _status(data_dir: Path, video_prefix: str = "") -> str:
    return endoveil(data_dir, "status", *([video_prefix] if video_prefix else [])).out


def test_ctrl_c_then_restart_finishes_the_video_before_the_input_goes_to_done(
    tmp_path: Path,
) -> None:
    inbox, data_dir = tmp_path / "inbox", tmp_path / "data"
    inbox.mkdir()
    make_video(inbox / f"{PLANTED_NAME} exam.mp4", circle_layout(640, 360), seconds=8.0, seed=21)
    watcher = _start(data_dir, "watch", str(inbox), "--stable-seconds", "0.2")
    _wait_for_level_2(data_dir, watcher)
    err = _interrupt(watcher)
    assert "Traceback" not in err and PLANTED_NAME not in err
    assert "fallback_basic" in _status(data_dir)  # interrupted in level 2

    restarted = endoveil(data_dir, "watch", str(inbox), "--once", "--stable-seconds", "0.2")
    assert restarted.code == 0, restarted.err
    assert [p.name for p in (inbox / "done").iterdir()] == [f"{PLANTED_NAME} exam.mp4"]
    status = _status(data_dir)
    assert " archived " in status and "Anonymized" in status
    video_id = status.splitlines()[1].split()[0]
    audit = endoveil(data_dir, "audit", video_id[:8]).out
    assert "the run was interrupted and released its claim" in audit


def test_resume_right_after_ctrl_c_finishes_the_video(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    video = make_video(tmp_path / "exam.mp4", circle_layout(640, 360), seconds=8.0, seed=22)
    importing = _start(data_dir, "import", str(video.path))
    _wait_for_level_2(data_dir, importing)
    _interrupt(importing)
    assert importing.returncode != 0, "the import finished before Ctrl-C reached it"

    resumed = endoveil(data_dir, "resume", "--json")
    assert resumed.code == 0, resumed.err
    [report] = resumed.json_lines()
    assert (report["in_progress"], report["state"], report["anonymized"]) == (
        False, "archived", True,
    )  # fmt: skip


def test_a_name_too_long_to_claim_is_failed_without_a_traceback(tmp_path: Path) -> None:
    inbox, data_dir = tmp_path / "inbox", tmp_path / "data"
    inbox.mkdir()
    name = f"{PLANTED_NAME} " + "x" * 236 + ".mp4"
    (inbox / name).write_bytes(b"a video, supposedly" * 10)
    run = endoveil(data_dir, "-v", "watch", str(inbox), "--once", "--stable-seconds", "0")
    assert run.code == 1 and "1 file(s) handled" in run.out, run.err
    assert "Traceback" not in run.err and PLANTED_NAME not in run.err
    assert [p.name for p in (inbox / "failed").iterdir()] == [name]
    log = (data_dir / "logs" / "endoveil.log").read_text()
    assert "file_name_too_long" in log and PLANTED_NAME not in log
