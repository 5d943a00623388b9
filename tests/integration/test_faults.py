"""Faults while importing (issue #8): a full disk, ffmpeg killed mid-stream, a video that
ends half-way. Each ends in a defined state with a recorded reason, the input untouched, the
raw original kept and no partial file left. In-process, real SQLite, ffmpeg and OpenCV,
Ollama down."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import imageio_ffmpeg
import pytest

from adapters.bootstrap import Services
from adapters.cli.text import audit_lines
from adapters.demo.synthetic import circle_layout, make_video
from adapters.masking.masker import OpenCVMasker
from adapters.storage.atomic import temp_path_for
from domain.importer import Importer, ImportReport
from domain.ports import LevelResult, Probe
from domain.rulebook import Level, State
from tests.figures import record
from tests.robustness import PLANTED_NAME, count_lost, offline_services, partials, sha256

pytestmark = pytest.mark.slow
DEV_FULL = Path("/dev/full")


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    return make_video(folder / f"{PLANTED_NAME} Erika.mp4", circle_layout(640, 360), 2.0).path


@pytest.fixture
def source(tmp_path: Path, video: Path) -> Path:
    copy = tmp_path / video.name
    shutil.copyfile(video, copy)
    return copy


@dataclass
class DiskFullAt:
    """A masker that first points the temp files of the given outputs at ``/dev/full``.

    It runs after the importer discarded stale partials, so the planted links survive until
    the writers open them: every write then fails with a real ENOSPC.
    """

    masker: OpenCVMasker
    data_dir: Path
    also_quarantine: bool = False

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        planted = [temp_path_for(Path(target))]
        if self.also_quarantine:
            planted.append(
                temp_path_for(self.data_dir / "quarantine" / f"{video_id}.NOT-ANONYMIZED.mp4")
            )
        for link in planted:
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(DEV_FULL)
        record("faults_injected", len(planted))
        return self.masker.mask(video_id, source, target)


class TrustingProbe:
    """A probe that believes every header, so the masker meets what the real probe refuses."""

    def probe(self, path: str) -> Probe:
        return Probe(readable=True, width=1, height=1, fps=25.0, frames=1)


def _services(
    data_dir: Path, masker: DiskFullAt | None = None, probe: TrustingProbe | None = None
) -> Services:
    services = offline_services(data_dir, masker)
    if probe is None:
        return services
    importer = Importer(services.library, services.chain, services.store, probe)
    return replace(services, importer=importer)


def _import(services: Services, source: Path) -> tuple[ImportReport, list[str]]:
    """Import ``source``; check nothing was lost and no partial is left; return the reasons."""
    before = sha256(source)
    report = services.importer.import_file(str(source))
    record("trials")
    data_dir = services.settings.data_dir
    assert count_lost(source, before, data_dir, report) == 0
    assert partials(data_dir) == []
    assert report.video_id is not None
    reasons = [line["reason"] for line in audit_lines(services.library.history(report.video_id))]
    return report, reasons


def _assert_raw_copy_after(
    report: ImportReport, reasons: list[str], reason: str, data_dir: Path
) -> None:
    assert (report.state, report.level, report.anonymized) == (
        State.ARCHIVED,
        Level.RAW_COPIED,
        False,
    )
    assert reason in reasons and reasons[-1] == "raw_copy_quarantined"
    assert list((data_dir / "anonymized").glob("*")) == []
    [copy] = (data_dir / "quarantine").iterdir()
    assert copy.name == f"{report.video_id}.NOT-ANONYMIZED.mp4"


def test_disk_full_while_writing_the_output_keeps_a_raw_copy(tmp_path: Path, source: Path) -> None:
    data_dir = tmp_path / "data"
    services = _services(data_dir, DiskFullAt(OpenCVMasker(), data_dir))

    report, reasons = _import(services, source)

    _assert_raw_copy_after(report, reasons, "encoder_failed", data_dir)
    assert DEV_FULL.is_char_device() and not any(p.is_symlink() for p in data_dir.rglob("*"))


def test_disk_full_for_the_quarantine_copy_too_fails_keeping_the_original(
    tmp_path: Path, source: Path
) -> None:
    data_dir = tmp_path / "data"
    services = _services(data_dir, DiskFullAt(OpenCVMasker(), data_dir, also_quarantine=True))

    report, reasons = _import(services, source)

    assert (report.state, report.reason, report.anonymized) == (
        State.FAILED,
        "quarantine_failed",
        False,
    )
    assert reasons[-2:] == ["encoder_failed", "quarantine_failed"]
    assert list((data_dir / "quarantine").iterdir()) == []
    assert list((data_dir / "anonymized").iterdir()) == []


_KILLER = """#!{python}
# Stands in for ffmpeg: decodes and -version run as they are; an encode is SIGKILLed as soon
# as ffmpeg reports progress, i.e. mid-stream.
import os, signal, subprocess, sys
REAL = {real!r}
args = sys.argv[1:]
if "libx264" not in args:
    os.execv(REAL, [REAL, *args])
# close_fds=False: the descriptors ffmpeg was given (pipe:N outputs) reach the real one
proc = subprocess.Popen([REAL, "-stats_period", "0.02", *args], stdout=subprocess.PIPE,
                        close_fds=False)
for line in proc.stdout:
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
    if line.startswith(b"progress="):
        proc.kill()
        break
proc.wait()
open(os.environ["KILLS_LOG"], "a").write(f"{{proc.returncode}}\\n")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_ffmpeg_killed_mid_stream_keeps_a_raw_copy(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(_KILLER.format(python=sys.executable, real=imageio_ffmpeg.get_ffmpeg_exe()))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    kills = tmp_path / "kills.log"
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(wrapper))
    monkeypatch.setenv("KILLS_LOG", str(kills))
    data_dir = tmp_path / "data"

    report, reasons = _import(_services(data_dir), source)
    record("faults_injected")

    assert kills.read_text().split() == ["-9"]  # the encoder was killed, not finished
    _assert_raw_copy_after(report, reasons, "encoder_failed", data_dir)


def test_a_video_that_ends_half_way_is_not_published(tmp_path: Path, source: Path) -> None:
    content = source.read_bytes()
    cut = tmp_path / f"{PLANTED_NAME} cut.mp4"
    cut.write_bytes(content[: len(content) * 6 // 10])  # the header still declares every frame
    data_dir = tmp_path / "data"

    report, reasons = _import(_services(data_dir, probe=TrustingProbe()), cut)
    record("faults_injected")

    _assert_raw_copy_after(report, reasons, "truncated_video", data_dir)
    assert (
        os.path.getsize(data_dir / "quarantine" / f"{report.video_id}.NOT-ANONYMIZED.mp4")
        == len(content) * 6 // 10
    )
