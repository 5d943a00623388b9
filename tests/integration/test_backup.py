"""Backups that restore: taken while imports run, restored into an empty dir, replayed equal."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher

from adapters.bootstrap import Services, build
from adapters.settings import Settings
from adapters.storage.backup import BackupRefused, back_up
from adapters.storage.restore import restore
from domain.video import video_id_for
from projections.replay import rebuild_and_compare
from tests.e2e.cli import endoveil as run_cli
from tests.scenarios import OUTCOMES, play


def _history(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Every video's decrypted events, as comparable dicts."""
    return {
        str(video_id): [
            {k: v for k, v in vars(event).items() if k != "originator_id"}
            for event in services.library.history(video_id)
        ]
        for video_id in services.library.video_ids()
    }


def _import_while(services: Services, stop: threading.Event, started: threading.Event) -> None:
    n = 0
    while not stop.is_set() or n < 40:
        # As level 1 does: the video's key exists before any event that needs it is stored.
        services.vault.seal(str(video_id_for(f"{n:064x}")), {"patient_name": f"Synthetic {n}"})
        play(services.library, n, OUTCOMES[n % len(OUTCOMES)])
        n += 1
        if n == 10:
            started.set()


def test_a_backup_taken_while_imports_run_restores_and_replays_equal(tmp_path: Path) -> None:
    original = build(Settings(data_dir=tmp_path / "live"))
    stop, started = threading.Event(), threading.Event()
    writer = threading.Thread(target=_import_while, args=(original, stop, started))
    writer.start()
    try:
        assert started.wait(60)
        summary = back_up(original.settings.data_dir, True, False, tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    assert summary.events > 0 and summary.video_keys >= 10
    assert (tmp_path / "backup" / "events.sqlite").stat().st_mode & 0o077 == 0

    restored_dir = tmp_path / "restored"
    restore(tmp_path / "backup", restored_dir, None)
    restored = build(Settings(data_dir=restored_dir))
    assert all(c.equal for c in rebuild_and_compare(restored.library, restored.projections))
    later, snapshot = _history(original), _history(restored)
    assert snapshot, "the restored store is empty"
    for video_id, events in snapshot.items():  # each a prefix of what the live store holds now
        assert events == later[video_id][: len(events)]
        assert restored.vault.unseal(video_id, original.vault.seal(video_id, {"x": 1})) == {"x": 1}


def test_a_backup_without_its_keys_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    live = build(Settings(data_dir=tmp_path / "live"))
    play(live.library, 1, "masked")
    back_up(live.settings.data_dir, True, False, tmp_path / "backup")
    (tmp_path / "backup" / "cipher.key").unlink()
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]["cipher.key"]  # a backup that was made (or edited) without the key
    manifest_path.write_text(json.dumps(manifest))

    result = run_cli(tmp_path / "restored", "restore", "--from", str(tmp_path / "backup"))
    assert result.code == 2
    assert "holds no cipher key" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "restored" / "events.sqlite").exists()


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_is_put_in_place(
    tmp_path: Path,
) -> None:
    live = build(Settings(data_dir=tmp_path / "live"))
    play(live.library, 1, "raw")
    back_up(live.settings.data_dir, True, False, tmp_path / "backup")
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "backup", other)
    (other / "cipher.key").write_text(AESCipher.create_key(32))  # another valid key
    with pytest.raises(BackupRefused, match="does not match its hash"):
        restore(other, tmp_path / "restored", None)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["files"]["cipher.key"] = hashlib.sha256(
        (other / "cipher.key").read_bytes()
    ).hexdigest()
    (other / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupRefused, match="does not open"):
        restore(other, tmp_path / "restored", None)
    assert not (tmp_path / "restored" / "events.sqlite").exists()
    with pytest.raises(BackupRefused, match="already holds"):
        restore(tmp_path / "backup", live.settings.data_dir, None)


def test_the_cli_backs_up_and_restores(tmp_path: Path) -> None:
    play(build(Settings(data_dir=tmp_path / "live")).library, 1, "cleaned")
    made = run_cli(tmp_path / "live", "backup", "--to", str(tmp_path / "b"), "--json")
    assert made.code == 0, made.err
    assert json.loads(made.out)["cipher_key_included"] is True
    again = run_cli(tmp_path / "live", "backup", "--to", str(tmp_path / "b"))
    assert again.code == 2 and "not empty" in again.err
    back = run_cli(tmp_path / "restored", "restore", "--from", str(tmp_path / "b"))
    assert back.code == 0, back.err
    replay = run_cli(tmp_path / "restored", "replay")
    assert replay.code == 0 and "DIFFERENT" not in replay.out
