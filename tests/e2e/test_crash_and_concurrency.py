"""Pull the plug at any moment, import the same file from four processes: nothing lost,
nothing duplicated, nothing half-written shown as anonymized. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import ClassVar

import cv2
import pytest

from adapters.bootstrap import build
from adapters.demo.synthetic import circle_layout, make_video
from adapters.settings import Settings
from domain.rulebook import TERMINAL_STATES
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire, settings_on, store_env
from tests.e2e.cli import closed_port, endoveil
from tests.fake_ollama import FakeOllama
from tests.figures import record

pytestmark = pytest.mark.slow
LEASE = "0.6"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(host: str) -> dict[str, str]:
    return {
        "OLLAMA_HOST": host,
        "ENDOVEIL_OLLAMA_READ_TIMEOUT": "0.4",  # a hanging Ollama makes level 1 take a while
        "ENDOVEIL_LEASE_SECONDS": LEASE,
    }


def _start_import(data: Path, source: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data), "import", str(source)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    layout = circle_layout(640, 360, name="crash")
    return {
        "moving": make_video(folder / "moving.mp4", layout, seconds=1.0, seed=11).path,
        "frozen": make_video(folder / "frozen.mp4", "full_frame", seconds=1.0, static=True).path,
    }


def _check_invariants(settings: Settings, source: Path, sha: str, frames: int) -> None:
    """What must hold after any crash and a resume."""
    data = settings.data_dir
    assert source.exists() and _sha(source) == sha, "the input was touched"
    assert not list(data.rglob("*.partial")), "a partial file is left"
    ollama_down = {"ollama_host": f"http://127.0.0.1:{closed_port()}"}
    services = build(settings.model_copy(update=ollama_down))
    for video_id in services.library.video_ids():
        video = services.library.get(video_id)
        assert video.state in TERMINAL_STATES, f"video {video_id} left {video.state}"
        assert (data / video.original).exists(), "the raw original is lost"
        history = list(services.library.history(video_id))
        assert [e.originator_version for e in history] == list(range(1, len(history) + 1))
        names = Counter(type(e).__name__ for e in history)
        assert names["Registered"] == 1 and names["CleaningStarted"] == 1
        assert names["Archived"] + names["Failed"] == 1, f"terminal events: {names}"
        for output in (data / "anonymized").glob("*.mp4"):
            assert video.anonymized and video.output == f"anonymized/{output.name}"
            capture = cv2.VideoCapture(str(output))
            assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == frames
            capture.release()
    again = services.importer.import_file(str(source))  # nothing was lost, even before registering
    assert again.state in TERMINAL_STATES, again
    services.library.close()


#: The marker of a run waiting on the hanging Ollama: no file shows it, the fake's log does.
#: (The original showing up is too early a sign: the probe, which loads OpenCV on first use,
#: comes between it and level 1.)
OLLAMA_ASKED = "ollama asked"


def _wait_for(data: Path, marker: str, fake: FakeOllama, asked: int, limit: float = 20.0) -> None:
    """Poll until the phase ``marker`` names has begun: a file matching it shows up in the
    data dir, or, for :data:`OLLAMA_ASKED`, the fake has more than ``asked`` requests."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if len(fake.requests) > asked if marker == OLLAMA_ASKED else list(data.glob(marker)):
            return
        time.sleep(0.005)


#: Where to pull the plug: (clip, what marks the phase, extra random delay up to).
PHASES = [
    ("moving", "raw/.incoming-*", 0.0),  # while the input is copied and hashed
    ("moving", OLLAMA_ASKED, 0.45),  # registered, level 1 waiting on a hanging Ollama
    ("moving", "anonymized/.*.partial", 0.3),  # level 2 encoding
    ("frozen", "raw/*.mp4", 0.9),  # level 1 or 2 failing, the quarantine copy
    ("moving", "anonymized/*.mp4", 0.05),  # output published, maybe not yet archived
]


def _state_of(settings: Settings) -> str:
    """The state the killed run left its video in."""
    if settings.event_store == "sqlite" and not settings.event_store_path.exists():
        return "before_registration"
    services = build(settings)
    states = [services.library.get(v).state.value for v in services.library.video_ids()]
    services.library.close()
    return states[0] if states else "before_registration"


class CrashContract(OnBackend):
    """Crashes and concurrent imports, in real processes, on any event store."""

    #: SIGKILL trials, cycling through :data:`PHASES` (a multiple of its length).
    trials: ClassVar[int]

    def test_sigkill_at_any_point_then_resume_finishes_every_video(
        self, tmp_path: Path, clips: dict[str, Path], fake_ollama: FakeOllama
    ) -> None:
        fake_ollama.mode = "hang"
        rng = random.Random(20261126)
        killed_in: Counter[str] = Counter()
        for trial in range(self.trials):
            clip, marker, jitter = PHASES[trial % len(PHASES)]
            source = clips[clip]
            with settings_on(self.backend, tmp_path / f"trial-{trial}") as settings:
                env = {**_env(fake_ollama.host), **store_env(settings)}
                data = settings.data_dir
                asked = len(fake_ollama.requests)
                process = _start_import(data, source, env)
                _wait_for(data, marker, fake_ollama, asked)
                time.sleep(rng.uniform(0, jitter))
                process.kill()
                process.wait()
                killed_in[_state_of(settings)] += 1
                time.sleep(float(LEASE) + 0.1)  # the dead run's lease lapses
                resumed = endoveil(data, "resume", env=env)
                assert resumed.code in (0, 1) and "Traceback" not in resumed.err, resumed.err
                try:
                    _check_invariants(settings, source, _sha(source), 25)
                except AssertionError as failure:
                    said = f"{resumed.out}{resumed.err}"
                    raise AssertionError(f"{failure}\nresume said: {said}") from None
        print(f"\ncrash trials on {self.backend}: {self.trials}, killed in: {dict(killed_in)}")
        record("trials", self.trials)
        assert {"frame_cleaning", "fallback_basic"} <= set(killed_in), killed_in

    def test_four_processes_importing_one_file_make_one_video_and_one_run(
        self, settings: Settings, wire: Wire, clips: dict[str, Path]
    ) -> None:
        env = {"OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}", **store_env(settings)}
        runs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapters.cli",
                    "--data-dir",
                    str(settings.data_dir),
                    "import",
                    str(clips["moving"]),
                    "--json",
                ],
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0, 0], [err for _, err in outputs]
        reports = [json.loads(out) for out, _ in outputs]
        assert len({r["video_id"] for r in reports}) == 1
        assert sum(not r["duplicate"] for r in reports) == 1
        assert all(r["state"] == "archived" or r["in_progress"] for r in reports)
        services = wire()
        [video_id] = list(services.library.video_ids())
        names = Counter(type(e).__name__ for e in services.library.history(video_id))
        assert names["CleaningStarted"] == 1 and names["Archived"] == 1
        assert len(list((settings.data_dir / "raw").iterdir())) == 1


class TestCrashOnSQLite(OnSQLite, CrashContract):
    trials: ClassVar[int] = 15  # each of the five phases three times (20 took ~1.7 min of CI)


class TestCrashOnPostgres(OnPostgres, CrashContract):
    trials: ClassVar[int] = 10  # each of the five phases twice; keeps the suite under budget
