"""The ``endoveil`` entry point, which answers ``status`` from the view when it is current.

Why this exists (issue #13: ``status`` under 0.3 s): the full command loads typer, the pydantic
settings and the event store with its cipher (about 0.3 s of imports alone), catches the views
up with the event log and prints a few rows. Mostly there is nothing to catch up. Then this
module reads the same rows with plain ``sqlite3`` and prints them with the full command's own
functions (``adapters.cli.status_text``), in a fraction of the time.

It answers only where it can vouch for printing what the full command would print:

- the command line is ``[--data-dir DIR] status [ID] [--json] [--limit N]``;
- the settings it needs come from the environment as ``Settings`` reads them, and no setting
  that ``Settings`` could refuse (a number, a choice) is set;
- the store is the data dir's SQLite file (not PostgreSQL), the files the full start writes
  are writable, and the store's key check opens with the configured key;
- in one read transaction, the status view has processed the last event, and ``ID`` names a
  video of the view (a prefix: exactly one).

Anything else (the view behind, an unknown id, an odd data dir, an error of any kind) hands
the command line to the full command, which catches up, or says what is wrong, as ever.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from adapters.cleaning.circuit import CircuitBreaker, circuit_file
from adapters.cli.status_text import DEFAULT_LIMIT, id_prefix, status_output
from adapters.storage.keys import KEY_CHECK_TABLE, configured_key, opens_key_check
from projections.status_rows import SELECT_ONE, SELECT_PAGE, TABLE, VideoStatus, from_row

#: Fields of ``Settings`` whose value it could refuse at start (numbers, choices). When one is
#: set, only the full command can say whether it starts (tests/unit/test_quick_status.py).
MAY_BE_REFUSED = frozenset(
    {
        "ollama_connect_timeout", "ollama_read_timeout", "lease_seconds", "postgres_pool_size",
        "cleaning_budget", "cleaning_budget_per_minute", "circuit_threshold", "circuit_cooldown",
        "log_format", "views_max_staleness", "watch_stable_seconds", "release_policy",
        "raw_retention_days", "import_silence_seconds",
    }
)  # fmt: skip


@dataclass(frozen=True)
class QuickSettings:
    """What ``status`` reads of ``Settings``: same names, same defaults (a test holds them)."""

    data_dir: Path = Path("endoveil-data")
    cipher_key: str | None = None
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5:1.5b-instruct"
    circuit_threshold: int = 3
    circuit_cooldown: float = 60.0


@dataclass(frozen=True)
class StatusRequest:
    """``[--data-dir DIR] status [ID] [--json] [--limit N]``."""

    data_dir: str | None = None
    video_id: str | None = None
    as_json: bool = False
    limit: int = DEFAULT_LIMIT


def main() -> None:
    """The ``endoveil`` script: a status answered here, or else the full command line."""
    answer = quick_status(sys.argv[1:], os.environ)
    if answer is None:
        from adapters.cli.main import main as full_command  # typer and every command

        full_command()
        return
    try:
        sys.stdout.write(answer)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (``| head``): exit 1 in silence, as click does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        sys.exit(1)


def quick_status(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """What ``endoveil ARGV...`` prints, if it is a status this module can answer, else None."""
    request = parse_request(argv)
    settings = read_settings(environ, request.data_dir) if request else None
    if request is None or settings is None:
        return None
    try:
        statuses = _read_view(settings, request)
        if statuses is None:
            return None
        path = circuit_file(settings.data_dir, settings.ollama_host, settings.ollama_model)
        breaker = CircuitBreaker(
            path, threshold=settings.circuit_threshold, cooldown_s=settings.circuit_cooldown
        )
        one = request.video_id is not None
        lines = status_output(statuses, breaker, one=one, as_json=request.as_json)
    except Exception:  # whatever it is, the full command meets it again and says it properly
        return None
    return "".join(f"{line}\n" for line in lines)


def parse_request(argv: Sequence[str]) -> StatusRequest | None:
    """The status asked for, or None for any other command line (even an unusual status)."""
    words = list(argv)
    data_dir = None
    if words[:1] == ["--data-dir"] and len(words) > 1:
        data_dir, words = words[1], words[2:]
    elif words[:1] and words[0].startswith("--data-dir="):
        data_dir, words = words[0].partition("=")[2], words[1:]
    if words[:1] != ["status"] or (data_dir or "").startswith("-"):
        return None
    video_id, as_json, limit = None, False, None
    rest = iter(words[1:])
    for word in rest:
        if word == "--json" and not as_json:
            as_json = True
        elif (word == "--limit" or word.startswith("--limit=")) and limit is None:
            text = word.partition("=")[2] if "=" in word else next(rest, "")
            if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
                return None
            limit = int(text)
        elif word and not word.startswith("-") and video_id is None:
            video_id = word
        else:
            return None
    return StatusRequest(data_dir, video_id, as_json, DEFAULT_LIMIT if limit is None else limit)


def read_settings(environ: Mapping[str, str], data_dir: str | None) -> QuickSettings | None:
    """The settings from ``environ`` and ``--data-dir``; None where the full start must judge."""
    env = {name.lower(): value for name, value in environ.items()}  # as pydantic-settings does
    if any(f"endoveil_{name}" in env for name in MAY_BE_REFUSED):
        return None
    if env.get("endoveil_event_store", "sqlite") != "sqlite":
        return None  # PostgreSQL: the views live there, and so does the full command
    default = QuickSettings()
    folder = data_dir if data_dir is not None else env.get("endoveil_data_dir")
    return QuickSettings(
        data_dir=Path(folder) if folder is not None else default.data_dir,
        cipher_key=env.get("endoveil_cipher_key"),
        ollama_host=env.get("ollama_host", env.get("endoveil_ollama_host", default.ollama_host)),
        ollama_model=env.get("endoveil_ollama_model", default.ollama_model),
    )


def _read_view(settings: QuickSettings, request: StatusRequest) -> list[VideoStatus] | None:
    """The statuses to show, read in one transaction, or None if the view is not current."""
    folder = settings.data_dir
    database, log_file = folder / "events.sqlite", folder / "logs" / "endoveil.log"
    writable = os.access(folder, os.W_OK | os.X_OK) and os.access(log_file, os.W_OK)
    if not (writable and os.access(database, os.R_OK | os.W_OK)):
        return None  # the full start writes there: let it create, or refuse, as it does
    key = configured_key(folder, settings.cipher_key)
    if key is None:
        return None
    uri = f"{database.resolve().as_uri()}?mode=rw"  # never creates a database
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    with contextlib.closing(connection):
        connection.row_factory = sqlite3.Row
        connection.execute("BEGIN")  # one snapshot: the key check, both positions, the rows
        token = connection.execute(f"SELECT token FROM {KEY_CHECK_TABLE} WHERE id = 1").fetchone()
        if token is None or not opens_key_check(key, token["token"]):
            return None
        # eventsourcing's SQLite tables: the views' positions, and the log (notification = rowid)
        [position] = connection.execute(
            "SELECT MAX(notification_id) FROM tracking WHERE application_name = ?", [TABLE]
        ).fetchone()
        [last] = connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        if (position or 0) != (last or 0):
            return None
        if request.video_id is None:
            rows = connection.execute(SELECT_PAGE.format(table=TABLE), [request.limit, 0])
        else:
            video_id = _one_video_id(connection, request.video_id)
            if video_id is None:
                return None
            rows = connection.execute(SELECT_ONE.format(table=TABLE), [video_id])
        statuses = [from_row(row) for row in rows.fetchall()]
    return None if request.video_id is not None and not statuses else statuses


def _one_video_id(connection: sqlite3.Connection, text: str) -> str | None:
    """The video id ``text`` gives: a whole id, or a prefix of exactly one id in the view."""
    with contextlib.suppress(ValueError):
        return str(UUID(text))
    prefix = id_prefix(text)
    if prefix is None:
        return None
    found = connection.execute(
        f"SELECT video_id FROM {TABLE} WHERE substr(video_id, 1, ?) = ? LIMIT 2",
        [len(prefix), prefix],
    ).fetchall()
    return str(found[0]["video_id"]) if len(found) == 1 else None
