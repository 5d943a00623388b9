"""The quick ``status`` reads settings and the key check as the full start does, or steps aside.

Its output against the full command's is held in tests/e2e/test_startup.py.
"""

from __future__ import annotations

import os
from base64 import b64encode
from dataclasses import fields
from pathlib import Path
from unittest.mock import patch

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.cli.quick_status import (
    MAY_BE_REFUSED,
    QuickSettings,
    StatusRequest,
    parse_request,
    read_settings,
)
from adapters.settings import Settings
from adapters.storage.keys import KEY_CHECK_CANARY, opens_key_check

#: Variable names as people write them (Settings reads them case-insensitively).
NAMES = (
    "ENDOVEIL_DATA_DIR", "endoveil_data_dir", "ENDOVEIL_EVENT_STORE", "ENDOVEIL_CIPHER_KEY",
    "OLLAMA_HOST", "ollama_host", "ENDOVEIL_OLLAMA_HOST", "ENDOVEIL_OLLAMA_MODEL",
    "ENDOVEIL_CIRCUIT_THRESHOLD", "Endoveil_Circuit_Cooldown", "ENDOVEIL_LOG_FORMAT",
    "ENDOVEIL_LEASE_SECONDS", "ENDOVEIL_VIEWER_TOKENS", "ENDOVEIL_SERVE_PORT",
)  # fmt: skip
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
VALUES = st.sampled_from(["", "sqlite", "postgresql://u@h/db", "3", "0", "-1", "json", "x"]) | TEXT


def _settings(environ: dict[str, str], data_dir: str | None) -> Settings | None:
    """What the full start's ``Settings`` make of the same input (None: it refuses)."""
    try:
        return Settings() if data_dir is None else Settings(data_dir=Path(data_dir))
    except ValidationError:
        return None


@given(st.dictionaries(st.sampled_from(NAMES), VALUES), st.none() | TEXT)
def test_the_quick_settings_are_the_full_settings_or_none(
    environ: dict[str, str], data_dir: str | None
) -> None:
    with patch.dict(os.environ, environ, clear=True):
        full = _settings(environ, data_dir)
        quick = read_settings(os.environ, data_dir)
    if quick is not None:
        assert full is not None  # never answers where the full start refuses
        assert full.event_store == "sqlite"
        for field in fields(QuickSettings):
            assert getattr(quick, field.name) == getattr(full, field.name), field.name


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"ENDOVEIL_DATA_DIR": "/srv/data", "OLLAMA_HOST": "http://gpu:11434"},
        {"ollama_host": "http://a:1", "ENDOVEIL_OLLAMA_HOST": "http://b", "ENDOVEIL_DATA_DIR": ""},
        # what deploy/systemd/endoveil.env sets: nothing Settings could refuse
        {"ENDOVEIL_VIEWER_TOKENS": "", "ENDOVEIL_SERVE_PORT": "8000", "endoveil_data_dir": "d"},
    ],
)
def test_ordinary_environments_are_answered_quickly(environ: dict[str, str]) -> None:
    with patch.dict(os.environ, environ, clear=True):
        full, quick = _settings(environ, None), read_settings(os.environ, None)
    assert full is not None and quick is not None
    assert [getattr(quick, f.name) for f in fields(QuickSettings)] == [
        getattr(full, f.name) for f in fields(QuickSettings)
    ]


def test_every_setting_that_can_be_refused_is_known() -> None:
    """A new number or choice in Settings must be read here or make the quick path step aside."""
    read = {field.name for field in fields(QuickSettings)} | {"event_store"}
    for name, field in Settings.model_fields.items():
        free_text = field.annotation in (str, str | None) and not field.metadata
        assert name in read or name in MAY_BE_REFUSED or free_text, name


def test_the_key_check_opens_with_the_stores_key_only() -> None:
    key, other = AESCipher.create_key(32), AESCipher.create_key(16)
    cipher = AESCipher(Environment(env={"CIPHER_KEY": key}))
    token = b64encode(cipher.encrypt(KEY_CHECK_CANARY)).decode()  # as keycheck stores it
    assert opens_key_check(key, token)
    assert not opens_key_check(other, token)
    assert not opens_key_check(key, b64encode(cipher.encrypt(b"another text")).decode())
    assert not opens_key_check(key, token[:24])
    assert not opens_key_check(key, "not base64 at all")


@pytest.mark.parametrize(
    ("argv", "request_"),
    [
        (["status"], StatusRequest()),
        (
            ["--data-dir", "d", "status", "1a2b3c4d", "--json", "--limit", "5"],
            StatusRequest("d", "1a2b3c4d", True, 5),
        ),
        (["--data-dir=d", "status", "--limit=7", "--json"], StatusRequest("d", None, True, 7)),
        (["status", "--limit", "0"], None),  # click refuses it: its message, its exit code
        (["status", "--limit"], None),
        (["status", "--help"], None),
        (["status", "a", "b"], None),
        (["status", "--json", "--json"], None),
        (["-v", "status"], None),
        (["--data-dir", "d", "-v", "status"], None),
        (["--data-dir", "status"], None),
        (["status", "-"], None),
        (["import", "status"], None),
        ([], None),
    ],
)
def test_only_plain_status_command_lines_are_answered(
    argv: list[str], request_: StatusRequest | None
) -> None:
    assert parse_request(argv) == request_
