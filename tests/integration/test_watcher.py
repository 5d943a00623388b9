"""The inbox watcher: complete files only, each exactly once, even with two watchers racing."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest

from adapters.bootstrap import Services, build
from adapters.demo.synthetic import circle_layout, make_video
from adapters.settings import Settings
from adapters.watcher import InboxWatcher
from domain.importer import ImportReport
from domain.rulebook import State
from tests.e2e.cli import closed_port


def settings_for(data: Path) -> Settings:
    return Settings(data_dir=data, ollama_host=f"http://127.0.0.1:{closed_port()}")


def counting(
    calls: Counter[str], import_file: Callable[[str], ImportReport]
) -> Callable[[str], ImportReport]:
    def counted(path: str) -> ImportReport:
        calls[Path(path).name.split("--", 1)[1]] += 1
        return import_file(path)

    return counted


def finisher(services: Services) -> Callable[[str, UUID], ImportReport]:
    """Take up a video another run was working on, as ``endoveil watch`` does."""
    return lambda path, video_id: services.importer.process(path, video_id, duplicate=True)


def handled_names(inbox: Path) -> list[str]:
    return sorted(p.name for folder in ("done", "failed") for p in (inbox / folder).iterdir())


@pytest.mark.slow
def test_two_watchers_and_a_manual_import_race_on_one_inbox(tmp_path: Path) -> None:
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    layout = circle_layout(320, 180, name="tiny")
    video = make_video(tmp_path / "video.mp4", layout, seconds=0.6, seed=3).path
    calls: Counter[str] = Counter()
    services = [build(settings_for(data)) for _ in range(3)]  # as three processes would
    watchers = [
        InboxWatcher(
            inbox,
            counting(calls, s.importer.import_file),
            stable_seconds=0.2,
            finish=finisher(s),
        )
        for s in services[:2]
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop, 0.1)) for w in watchers]
    for thread in threads:
        thread.start()
    names = [f"junk-{n}.mp4" for n in range(12)]
    for n, name in enumerate(names):
        (inbox / name).write_bytes(f"not a video {n}".encode() * 50)
    shutil.copy(video, inbox / "Mustermann exam.mp4")
    manual = services[2].importer.import_file(str(video))  # the same bytes, by hand, meanwhile
    deadline = time.monotonic() + 30
    while len(handled_names(inbox)) < len(names) + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert handled_names(inbox) == sorted([*names, "Mustermann exam.mp4"])
    assert sorted((inbox / "done").iterdir()) == [inbox / "done" / "Mustermann exam.mp4"]
    assert set(calls.values()) == {1} and len(calls) == len(names) + 1  # each file once
    assert not list((inbox / "processing").iterdir())
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    services[0].catch_up()
    statuses = services[0].projections.videos.page(100)
    assert len(statuses) == len(names) + 1  # one video for the watched and the manual import
    assert manual.state is State.ARCHIVED
    log = (data / "logs").glob("*.log")
    assert all("Mustermann" not in p.read_text() for p in log)


def fake_import(seen: list[str]) -> Callable[[str], ImportReport]:
    def record(path: str) -> ImportReport:
        seen.append(Path(path).read_text())
        return ImportReport(path, None, State.ARCHIVED, True, None, None, "masked", "Done.")

    return record


def test_a_file_is_imported_only_once_it_stops_changing(tmp_path: Path) -> None:
    seen: list[str] = []
    watcher = InboxWatcher(tmp_path, fake_import(seen), stable_seconds=0.3)
    with open(tmp_path / "growing.mp4", "w") as out:
        out.write("first half ")
        out.flush()
        assert watcher.scan_once()[0] == [] and watcher.scan_once()[1] is not None
        time.sleep(0.15)
        out.write("second half")
        out.flush()
        assert watcher.scan_once()[0] == []
    time.sleep(0.35)
    [handled] = watcher.scan_once()[0]
    assert seen == ["first half second half"] and handled.destination.parent == tmp_path / "done"


def test_start_rescans_and_recovers_claims_of_dead_watchers(tmp_path: Path) -> None:
    (tmp_path / "dropped while down.mp4").write_text("a")
    old = time.time() - 60
    os.utime(tmp_path / "dropped while down.mp4", (old, old))
    (tmp_path / "processing").mkdir()
    (tmp_path / "processing" / "999999999-abc--orphan.mp4").write_text("b")  # no such pid
    seen: list[str] = []
    watcher = InboxWatcher(tmp_path, fake_import(seen), stable_seconds=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop, 0.05))
    thread.start()
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(5)
    assert sorted(seen) == ["a", "b"]
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == [
        "dropped while down.mp4", "orphan.mp4"]  # fmt: skip


def test_symlinks_hidden_files_and_folders_are_left_alone(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    secret = tmp_path / "outside.mp4"
    secret.write_text("outside the inbox")
    inbox.mkdir()
    (inbox / "link.mp4").symlink_to(secret)
    (inbox / ".partial.mp4").write_text("uploading")
    (inbox / "sub").mkdir()
    seen: list[str] = []
    watcher = InboxWatcher(inbox, fake_import(seen), stable_seconds=0)
    assert watcher.scan_once()[0] == [] and seen == []
    assert (inbox / "link.mp4").is_symlink() and secret.read_text() == "outside the inbox"


def test_handled_inputs_are_never_overwritten_and_failures_kept(tmp_path: Path) -> None:
    def rejecting(path: str) -> ImportReport:
        return ImportReport(path, None, None, False, None, None, "not_a_video", "Not a video.")

    failed = InboxWatcher(tmp_path, rejecting, stable_seconds=0)
    for content in ("one", "two"):
        (tmp_path / "same name.mp4").write_text(content)
        failed.scan_once()
    kept = sorted((tmp_path / "failed").iterdir())
    assert [p.name for p in kept] == ["same name.1.mp4", "same name.mp4"]
    assert sorted(p.read_text() for p in kept) == ["one", "two"]


def test_the_watch_command_once(tmp_path: Path) -> None:
    from tests.e2e.cli import endoveil

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Mustermann junk.mp4").write_bytes(b"no video here" * 10)
    run = endoveil(tmp_path / "data", "watch", str(inbox), "--once", "--stable-seconds", "0")
    assert run.code == 1 and "1 file(s) handled" in run.out, run.err
    assert [p.name for p in (inbox / "failed").iterdir()] == ["Mustermann junk.mp4"]
    assert "Mustermann" not in (tmp_path / "data" / "logs" / "endoveil.log").read_text()


def test_an_old_mtime_is_not_trusted_on_first_sight(tmp_path: Path) -> None:
    seen: list[str] = []
    watcher = InboxWatcher(tmp_path, fake_import(seen), stable_seconds=0.3)
    growing = tmp_path / "copied with its old mtime.mp4"
    growing.write_text("first half ")
    hour_ago = time.time() - 3600
    os.utime(growing, (hour_ago, hour_ago))  # NFS clock skew, or a copy keeping mtimes
    handled, wait = watcher.scan_once()
    assert handled == [] and wait is not None and 0.25 < wait <= 0.3
    with open(growing, "a") as out:
        out.write("second half")
    os.utime(growing, (hour_ago + 1, hour_ago + 1))
    time.sleep(0.35)
    assert watcher.scan_once()[0] == []  # it changed since it was first seen: wait again
    time.sleep(0.35)
    [handled_file] = watcher.scan_once()[0]
    assert seen == ["first half second half"] and handled_file.destination.parent.name == "done"


def test_a_name_too_long_to_claim_goes_to_failed_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    watcher = InboxWatcher(tmp_path, fake_import(seen), stable_seconds=0)
    name = "Mustermann " + "x" * 236 + ".mp4"  # 251 bytes: fits, but not after a claim tag
    (tmp_path / name).write_text("a video")
    (tmp_path / "short.mp4").write_text("another")
    handled = sorted(watcher.scan_once()[0], key=lambda h: len(h.name))
    assert [h.name for h in handled] == ["short.mp4", name]
    long_one = handled[1]
    assert long_one.report is not None and long_one.report.reason == "file_name_too_long"
    assert long_one.destination == tmp_path / "failed" / name  # kept, under its own name
    assert (tmp_path / "failed" / name).read_text() == "a video" and seen == ["another"]
    assert not list((tmp_path / "processing").iterdir())
    assert "Mustermann" not in caplog.text


def test_an_input_whose_video_is_still_in_work_elsewhere_waits_in_processing(
    tmp_path: Path,
) -> None:
    video_id = UUID(int=7)
    answers = [State.FALLBACK_BASIC, State.FALLBACK_BASIC, State.ARCHIVED]

    def in_progress_then_done(path: str, _video_id: UUID | None = None) -> ImportReport:
        state = answers.pop(0)
        return ImportReport(path, video_id, state, True, None, None, "r", "d", True, True)

    watcher = InboxWatcher(
        tmp_path, in_progress_then_done, stable_seconds=0, finish=in_progress_then_done
    )
    (tmp_path / "exam.mp4").write_text("a video")
    assert watcher.scan_once()[0] == []
    assert [p.name.split("--")[1] for p in (tmp_path / "processing").iterdir()] == ["exam.mp4"]
    assert not list((tmp_path / "done").iterdir())  # not done while the video is Processing
    time.sleep(0.55)
    assert watcher.scan_once()[0] == []
    time.sleep(0.55)
    [handled] = watcher.scan_once()[0]
    assert handled.destination == tmp_path / "done" / "exam.mp4" and answers == []
