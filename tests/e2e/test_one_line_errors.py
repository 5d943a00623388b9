"""Every command says what is wrong in one line, never a traceback (issue #17 item 11).

On a full disk (with the free space), a corrupt or truncated event store and a malformed
cipher key. A traceback would be noise at best, and at worst it prints an exception message
naming a file: the input's name holds a (planted) patient name here.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import Run, endoveil
from tests.robustness import PLANTED_NAME

pytestmark = pytest.mark.slow

ALL_COMMANDS: list[tuple[str, ...]] = [
    ("status",),
    ("audit", "{video}"),
    ("metrics",),
    ("resume",),
    ("report", "--from", "2020-01-01", "--to", "2100-01-01"),
    ("erase", "{video}", "--yes"),
    ("import", "{source}"),
]
#: A reading and a writing command (each CLI run costs a second or two of start-up).
SOME_COMMANDS = [ALL_COMMANDS[0], ALL_COMMANDS[-1]]


def _library(tmp_path: Path, data_dir: Path) -> tuple[Path, str]:
    """A data dir holding one (failed) import; the input's name carries a patient name."""
    source = tmp_path / f"{PLANTED_NAME} Erika.mp4"
    source.write_bytes(b"not a video, only notes\n" * 200)
    run = endoveil(data_dir, "import", str(source), "--json")
    assert run.code == 1, run.err
    return source, str(run.json_lines()[0]["video_id"])


def _run_all(
    data_dir: Path, commands: list[tuple[str, ...]], source: Path, video: str, **env: str
) -> list[tuple[tuple[str, ...], Run]]:
    runs = []
    for command in commands:
        args = tuple(arg.format(source=source, video=video) for arg in command)
        runs.append((command, endoveil(data_dir, *args, env=env)))
    return runs


def _assert_one_line(runs: list[tuple[tuple[str, ...], Run]], expected: str) -> None:
    for command, run in runs:
        lines = run.err.splitlines()
        assert run.code != 0, (command, run.out, run.err)
        assert len(lines) == 1 and lines[0].startswith("endoveil: "), (command, run.err)
        assert expected in lines[0], (command, lines)
        assert "Traceback" not in run.err and PLANTED_NAME not in run.err
        assert run.out == "", (command, run.out)


@contextlib.contextmanager
def _small_disk(folder: Path, size: str = "4m") -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a small tmpfs (a disk that can really be full)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()


def test_a_full_disk_is_one_line_with_the_free_space(tmp_path: Path) -> None:
    with _small_disk(tmp_path / "disk") as disk:
        data_dir = disk / "data"
        source, video = _library(tmp_path, data_dir)
        _fill(disk)
        runs = _run_all(data_dir, ALL_COMMANDS, source, video)
    _assert_one_line(runs, "the disk is full: 0 bytes free in")


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_event_store_is_one_line(tmp_path: Path, damage: str) -> None:
    data_dir = tmp_path / "data"
    source, video = _library(tmp_path, data_dir)
    store = data_dir / "events.sqlite"
    assert not store.with_name("events.sqlite-wal").exists()  # checkpointed on close
    content = store.read_bytes()
    if damage == "truncated":
        store.write_bytes(content[: len(content) // 2])
    else:  # the header page intact, every other page overwritten
        store.write_bytes(content[:4096] + os.urandom(len(content) - 4096))
    runs = _run_all(data_dir, SOME_COMMANDS, source, video)
    _assert_one_line(runs, "is corrupt or truncated")


def test_a_malformed_cipher_key_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    source, video = _library(tmp_path, data_dir)
    in_env = _run_all(data_dir, SOME_COMMANDS, source, video, ENDOVEIL_CIPHER_KEY="abc%def")
    _assert_one_line(in_env, "the cipher key in ENDOVEIL_CIPHER_KEY is malformed")
    (data_dir / "cipher.key").write_text("c2hvcnQ=\n")  # base64, but 5 bytes
    in_file = _run_all(data_dir, SOME_COMMANDS, source, video)
    _assert_one_line(in_file, "cipher.key is malformed")
