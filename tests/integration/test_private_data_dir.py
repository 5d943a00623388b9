"""The data dir is private whatever the umask: folders 0700, files 0600 (issue #17 item 3).

It holds patient videos: under the default umask 022 the originals and raw copies used to be
0644 in 0755 folders, readable by every user of the machine.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from domain.rulebook import Level
from tests.backends import OnSQLite, Wire
from tests.e2e.cli import closed_port
from tests.fakes import failing

ROOT = Path(__file__).resolve().parents[2]
UMASKS = [0o022, 0o000]


def modes(data_dir: Path) -> dict[str, int]:
    """The mode of every folder and file under ``data_dir`` (itself included)."""
    paths = [data_dir, *data_dir.rglob("*")]
    return {str(p.relative_to(data_dir)): stat.S_IMODE(p.lstat().st_mode) for p in paths}


def assert_private(data_dir: Path) -> None:
    found = modes(data_dir)
    expected = {name: 0o700 if (data_dir / name).is_dir() else 0o600 for name in found}
    assert {n: oct(m) for n, m in found.items()} == {n: oct(m) for n, m in expected.items()}


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


class TestPrivateInProcess(OnSQLite):
    @pytest.mark.parametrize("umask", UMASKS, indirect=True, ids=["umask022", "umask000"])
    def test_originals_and_raw_copies_are_private(
        self, umask: int, wire: Wire, tmp_path: Path
    ) -> None:
        video = make_video(tmp_path / "exam.mp4", circle_layout(320, 240), seconds=0.2).path
        services = wire(failing("ollama_unavailable"), failing("roi_uncertain"))
        assert services.importer.import_file(str(video)).level is Level.RAW_COPIED
        assert list((services.settings.data_dir / "quarantine").iterdir())
        assert_private(services.settings.data_dir)


@pytest.mark.slow
@pytest.mark.parametrize("mask", UMASKS, ids=["umask022", "umask000"])
def test_a_cli_import_with_real_masking_leaves_everything_private(
    tmp_path: Path, mask: int
) -> None:
    video = make_video(tmp_path / "exam.mp4", circle_layout(320, 240), seconds=0.4, seed=9).path
    data_dir = tmp_path / "data"
    env = {**os.environ, "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
    env.pop("ENDOVEIL_CIPHER_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data_dir), "import", str(video)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.umask(mask), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list((data_dir / "anonymized").iterdir())  # level 2 (ffmpeg) wrote the output
    assert_private(data_dir)
