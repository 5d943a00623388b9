"""README.md tells the truth: the diagram is the rulebook's, the set-up commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

from domain.review import review_mermaid
from domain.rulebook import mermaid

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_diagram_is_generated_from_the_rulebook() -> None:
    blocks = re.findall(r"```mermaid\n(.*?)\n```", README, re.S)
    assert blocks == [mermaid(), review_mermaid()], "paste `endoveil diagram [--review]` in README"


def test_the_readme_has_two_setup_commands_and_ci_runs_the_test_one() -> None:
    setup = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert len(commands) == 2
    demo, tests = commands
    assert demo.endswith("endoveil demo")
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.count(tests) == 1
    # ... and that is CI's only install: nothing installed a second time beside it.
    installs = ("scripts/system-packages", "scripts/install-python", "pip install", "-m venv")
    assert [line for line in ci if any(step in line for step in installs)] == [tests]


def test_one_opencv_distribution_is_installed() -> None:
    # Both provide cv2/ and overwrite each other's files; which one loads depends on the
    # install order. rapidocr-onnxruntime pulls opencv-python: scripts/install-python avoids it.
    from importlib.metadata import PackageNotFoundError, version

    installed = []
    for name in ("opencv-python", "opencv-python-headless", "opencv-contrib-python"):
        try:
            installed.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    assert len(installed) == 1 and installed[0].startswith("opencv-python-headless "), installed
