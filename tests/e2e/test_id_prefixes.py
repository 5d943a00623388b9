"""The 8-character id prefix the page shows works on the CLI; erase asks first (#17 item 13)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.bootstrap import build
from adapters.cli import erase_command, main  # noqa: F401 (they register the commands)
from adapters.cli.app import app
from adapters.settings import Settings
from domain.video import video_id_for

# Two contents whose video ids share their first 8 characters (found by counting up).
TWINS = [hashlib.sha256(str(n).encode()).hexdigest() for n in (15262, 17530)]
LONER = hashlib.sha256(b"alone").hexdigest()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    services = build(Settings(data_dir=tmp_path))
    for sha in (*TWINS, LONER):
        services.library.register(sha, 1, f"raw/{sha[:6]}.mp4")
    services.library.close()
    return tmp_path


def cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_unique_prefix_names_its_video(data_dir: Path) -> None:
    loner = str(video_id_for(LONER))
    code, out, _ = cli(data_dir, "status", loner[:8], "--json")
    assert code == 0 and f'"video_id": "{loner}"' in out
    code, out, _ = cli(data_dir, "audit", loner[:8].upper())
    assert code == 0 and loner in out


def test_an_ambiguous_prefix_is_refused(data_dir: Path) -> None:
    first, second = (str(video_id_for(sha)) for sha in TWINS)
    assert first[:8] == second[:8] and first != second
    for command in ("status", "audit", "erase"):
        code, _, err = cli(data_dir, command, first[:8], *(["--yes"] * (command == "erase")))
        assert code == 2 and "is the start of several video ids" in err, (command, err)
    code, _, err = cli(data_dir, "status", first[:13])  # more of it: unique again
    assert code == 0, err


@pytest.mark.parametrize("text", ["abc", "not-an-id", "zzzzzzzz"])
def test_too_short_or_not_hex_is_not_an_id(data_dir: Path, text: str) -> None:
    code, _, err = cli(data_dir, "audit", text)
    assert code == 2 and "is not a video id" in err


def test_erase_asks_first_and_refuses_without_a_terminal_unless_yes(data_dir: Path) -> None:
    loner = str(video_id_for(LONER))
    code, _, err = cli(data_dir, "erase", loner[:8])
    assert code == 2 and "cannot be undone; confirm with --yes" in err
    code, out, _ = cli(data_dir, "status", loner, "--json")
    assert '"erased": false' in out
    code, out, err = cli(data_dir, "erase", loner[:8], "--yes")
    assert code == 0 and f"{loner} erased" in out, err
