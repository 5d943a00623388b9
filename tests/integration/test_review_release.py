"""Review, release and export on both event stores, with real files and a real small video."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.bootstrap import Services
from adapters.demo.synthetic import circle_layout, make_video
from adapters.export.exporter import ExportRefused, export_released
from adapters.storage.digests import sha256_of
from domain.errors import TransitionNotAllowed
from domain.ports import LevelResult
from domain.review import Decision, Release
from projections.audit import explain
from projections.report import build_report, exports_csv, render
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire
from tests.fakes import failing

PATIENT = "Mustermann"
ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


class CopyingCleaner:
    """A level 1 that writes the input through as its (verified) output."""

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(Path(source).read_bytes())
        return LevelResult.ok(target, "cleaned", "Patient text masked.", {"ocr": "fake"})


def _video(folder: Path, seed: int) -> str:
    layout = circle_layout(320, 240, name="tiny")
    return str(make_video(folder / f"{PATIENT} {seed}.mp4", layout, seconds=0.4, seed=seed).path)


def _export(services: Services, to: Path) -> object:
    return export_released(services, to, *ALL_TIME, "carol", datetime.now(UTC))


class ReviewContract(OnBackend):
    """The review rulebook and the export, on any event store."""

    @pytest.fixture
    def services(self, wire: Wire) -> Services:
        return wire(CopyingCleaner(), failing("roi_uncertain"), release_policy="review")

    def test_only_an_approved_output_is_exported_once_with_its_manifest(
        self, services: Services, tmp_path: Path
    ) -> None:
        report = services.importer.import_file(_video(tmp_path, 1))
        vid = report.video_id
        assert (
            vid is not None and services.library.get(vid).release_state is Release.AWAITING_REVIEW
        )
        empty = export_released(services, tmp_path / "none", *ALL_TIME, "carol", datetime.now(UTC))
        assert empty.entries == []

        services.desk.decide(vid, Decision.APPROVE, "checked every frame", "alice")
        out = tmp_path / "out"
        done = export_released(services, out, *ALL_TIME, "carol", datetime.now(UTC))
        output = services.store.locate(services.library.get(vid).output or "")
        assert sorted(p.name for p in out.iterdir()) == [
            f"{vid}.mp4",
            "manifest.csv",
            "manifest.json",
        ]
        assert sha256_of(out / f"{vid}.mp4") == sha256_of(Path(output))
        [entry] = json.loads((out / "manifest.json").read_text())["videos"]
        assert (entry["video_id"], entry["reviewer"], entry["level"]) == (
            str(vid),
            "alice",
            "frame_cleaning",
        )
        assert entry["sha256"] == sha256_of(Path(output)) and entry["verification"] == "passed"
        with (out / "manifest.csv").open() as handle:
            [row] = list(csv.DictReader(handle))
        assert row["sha256"] == entry["sha256"]
        assert not any(PATIENT in p.read_text() for p in out.glob("manifest.*"))

        again = export_released(services, out, *ALL_TIME, "carol", datetime.now(UTC))
        assert again.already_done and again.export_id == done.export_id
        history = list(services.library.history(vid))
        assert sum(type(e).__name__ == "Exported" for e in history) == 1
        story = "\n".join(explain(str(vid), history))
        assert "Approved for release by alice" in story and "Exported by carol" in story
        assert not list(tmp_path.glob(".out*"))  # no temp folder left behind

        services.catch_up()
        built = build_report(services.projections.videos, services.projections.metrics.between(
            *ALL_TIME), *ALL_TIME, datetime.now(UTC), services.projections.releases)  # fmt: skip
        assert built.summary["exports"] == 1 and built.summary["exports_of_unreleased_videos"] == 0
        assert done.export_id in exports_csv(built) and done.export_id in render(built, "json")

    def test_a_busy_folder_is_refused(self, services: Services, tmp_path: Path) -> None:
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "notes.txt").write_text("mine")
        with pytest.raises(ExportRefused):
            _export(services, busy)
        assert [p.name for p in busy.iterdir()] == ["notes.txt"]

    def test_a_raw_copy_waits_first_in_the_queue_and_is_never_exported(
        self, wire: Wire, services: Services, tmp_path: Path
    ) -> None:
        cleaned = services.importer.import_file(_video(tmp_path, 2))
        raw = wire(failing("ollama_unavailable"), failing("roi_uncertain")).importer.import_file(
            _video(tmp_path, 3)
        )
        assert raw.video_id is not None and cleaned.video_id is not None
        services.catch_up()
        queue = services.projections.releases.queue()
        assert [r.video_id for r in queue] == [str(raw.video_id), str(cleaned.video_id)]
        assert queue[0].release == Release.QUARANTINED
        with pytest.raises(TransitionNotAllowed):
            services.desk.decide(raw.video_id, Decision.APPROVE, "fine", "alice")
        services.desk.decide(raw.video_id, Decision.RETAIN, "tumour board on Friday", "alice")
        assert _export(services, tmp_path / "out").entries == []  # type: ignore[attr-defined]
        services.catch_up()
        assert services.projections.releases.unreviewed_raw_copies()[0] == 0
        assert services.projections.releases.raw_copies_total() == 1


class TestReviewOnSQLite(OnSQLite, ReviewContract):
    pass


class TestReviewOnPostgres(OnPostgres, ReviewContract):
    pass
