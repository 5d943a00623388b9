"""The systemd units and the environment template in ``deploy/systemd`` say what is true.

``systemd-analyze verify`` (on this machine's systemd) checks every key and every command; the
parser tests hold the hardening and the settings to the code, so a setting added to
``Settings`` without a line in the template fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.settings import Settings

UNITS = Path(__file__).parents[2] / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
INSTALLED_EXE = "/opt/endoveil/.venv/bin/endoveil"
HARDENING = {
    "User": "endoveil",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "NoNewPrivileges": "yes",
    "ReadWritePaths": "/var/lib/endoveil",
    "UMask": "0077",
    "Restart": "on-failure",
}


def _sections(path: Path) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current[key] = value
    return sections


def _template() -> dict[str, str]:
    lines = (UNITS / "endoveil.env").read_text().splitlines()
    found = (re.match(r"#?([A-Z][A-Z0-9_]+)=(.*)", line) for line in lines)
    return {m.group(1): m.group(2) for m in found if m}


def test_the_four_services_and_the_target_are_there() -> None:
    names = {p.name for p in SERVICES}
    assert names == {
        "endoveil-serve.service",
        "endoveil-worker@.service",
        "endoveil-watch.service",
        "endoveil-project.service",
    }
    assert (UNITS / "endoveil.target").exists()


@pytest.mark.parametrize("unit", SERVICES, ids=lambda p: p.name)
def test_every_service_is_hardened_and_runs_a_real_command(unit: Path) -> None:
    service = _sections(unit)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"{unit.name}: {key}"
    assert service["EnvironmentFile"] == "/etc/endoveil/endoveil.env"
    command = service["ExecStart"].split()
    assert command[0] == INSTALLED_EXE
    # The subcommand and its options exist: --help of exactly that command answers.
    options = [word for word in command[1:] if not word.startswith("${")]
    subcommand = [word for word in options if not word.startswith("--")]
    flags = [word for word in options if word.startswith("--")]
    shown = subprocess.run(
        [sys.executable, "-m", "adapters.cli", *subcommand, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in flags:
        assert flag in shown, f"{unit.name}: {flag} is not an option of {subcommand}"


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    exe = shutil.which("endoveil", path=str(Path(sys.executable).parent))
    if analyze is None or exe is None:  # pragma: no cover - Debian's systemd is on CI
        pytest.fail("systemd-analyze and the installed endoveil script are needed")
    names = []
    for unit in [*SERVICES, UNITS / "endoveil.target"]:
        name = unit.name.replace("@.", "@1.")  # verify needs an instance of the template
        (tmp_path / name).write_text(unit.read_text().replace(INSTALLED_EXE, exe))
        names.append(f"./{name}")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # unknown keys are only warned about


def test_the_environment_template_names_every_setting_and_nothing_else() -> None:
    template = _template()
    settings = {f"ENDOVEIL_{name.upper()}" for name in Settings.model_fields}
    settings = (settings - {"ENDOVEIL_OLLAMA_HOST"}) | {"OLLAMA_HOST"}
    used_by_units = {
        variable for unit in SERVICES for variable in re.findall(r"\$\{(\w+)\}", unit.read_text())
    }
    assert settings <= template.keys(), f"missing: {sorted(settings - template.keys())}"
    assert used_by_units <= template.keys()
    assert template.keys() <= settings | used_by_units, "a line names no setting"


def test_the_template_defaults_are_the_code_defaults() -> None:
    template = _template()
    defaults = Settings.model_fields
    for key, value in template.items():
        name = key.removeprefix("ENDOVEIL_").lower()
        name = "ollama_host" if key == "OLLAMA_HOST" else name
        if name not in defaults or name == "data_dir" or not value:
            continue
        default = defaults[name].default
        assert str(default) == value or float(value) == default, key
