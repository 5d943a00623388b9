"""Patient metadata only ever sealed with a per-video key; erasure shreds it for good.

On both event stores: the leak check reads what the database holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.bootstrap import Services
from adapters.demo.synthetic import circle_layout, make_video
from domain.errors import TransitionNotAllowed
from domain.ports import LevelResult
from domain.rulebook import Level, State
from domain.video import Video
from projections.audit import explain
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire, stored_bytes
from tests.fakes import failing
from tests.figures import record

NAME, BIRTH = "Mustermann", "12.03.1955"


@dataclass
class ReadingCleaner:
    """A level 1 that 'reads' the patient's name and birth date and writes an output."""

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(Path(source).read_bytes())
        result = LevelResult.ok(target, "cleaned", "Patient text masked.", {"ocr": "fake"})
        metadata: dict[str, str | None] = {"last_name": NAME, "birth_date": BIRTH}
        return LevelResult(**{**vars(result), "patient_metadata": metadata})


def _video(folder: Path, name: str, seed: int) -> Path:
    layout = circle_layout(320, 240, name="tiny")
    return make_video(folder / f"{NAME} {name}.mp4", layout, seconds=0.4, seed=seed).path


def _leaks(services: Services, texts: list[str]) -> int:
    data = services.settings.data_dir
    database = stored_bytes(services.settings)
    found = sum(needle.encode() in database for needle in (NAME, BIRTH))
    found += sum(NAME in text or BIRTH in text for text in texts)
    found += sum(NAME in path.name for path in data.rglob("*"))
    log = data / "logs" / "endoveil.log"
    return found + (NAME in log.read_text() if log.exists() else 0)


class ErasureContract(OnBackend):
    """Sealing and erasure, on any event store."""

    @pytest.fixture
    def services(self, wire: Wire) -> Services:
        return wire(ReadingCleaner(), failing("roi_uncertain"))

    def test_metadata_is_sealed_per_video_and_leaks_nowhere(
        self, services: Services, tmp_path: Path
    ) -> None:
        report = services.importer.import_file(str(_video(tmp_path, "a", 1)))
        assert report.video_id and (report.state, report.anonymized) == (State.ARCHIVED, True)
        archived = [
            e for e in services.library.history(report.video_id) if hasattr(e, "patient_metadata")
        ][-1]
        sealed = archived.patient_metadata["sealed"]
        assert services.vault.unseal(str(report.video_id), sealed) == {
            "last_name": NAME,
            "birth_date": BIRTH,
        }
        services.catch_up()
        status = services.projections.videos.get(str(report.video_id))
        assert status is not None
        texts = [
            str(status.as_json()),
            *explain(str(report.video_id), list(services.library.history(report.video_id))),
        ]
        leaks = _leaks(services, texts)
        record("names_leaked", leaks)
        assert leaks == 0

    def test_erase_shreds_the_key_and_deletes_unanonymized_files(
        self, services: Services, wire: Wire, tmp_path: Path
    ) -> None:
        cleaned = services.importer.import_file(str(_video(tmp_path, "b", 2)))
        raw_only = wire(
            failing("ollama_unavailable"), failing("roi_uncertain")
        ).importer.import_file(str(_video(tmp_path, "c", 3)))
        assert (
            cleaned.video_id
            and raw_only.video_id
            and raw_only.level
            and raw_only.level.value == "raw_copied"
        )
        data = services.settings.data_dir
        assert list((data / "quarantine").glob(f"{raw_only.video_id}.*"))
        sealed = [
            metadata
            for e in services.library.history(cleaned.video_id)
            if isinstance(e, Video.Transitioned) and (metadata := e.patient_metadata)
        ][-1]

        first = services.eraser.erase(cleaned.video_id, "request 2026-17")
        assert first.key_shredded and not first.already_erased
        assert services.vault.unseal(str(cleaned.video_id), sealed["sealed"]) is None
        assert (data / "anonymized" / f"{cleaned.video_id}.mp4").exists()  # anonymized output stays

        erased = services.eraser.erase(raw_only.video_id, "request 2026-18")
        assert sorted(p.split("/")[0] for p in erased.files_deleted) == ["quarantine", "raw"]
        assert not list((data / "quarantine").glob(f"{raw_only.video_id}.*"))
        again = services.eraser.erase(raw_only.video_id, "request 2026-18")
        assert again.already_erased and again.files_deleted == []

        history = list(services.library.history(raw_only.video_id))
        assert type(history[0]).__name__ == "Registered" and type(history[-1]).__name__ == "Erased"
        assert sum(type(e).__name__ == "Erased" for e in history) == 1
        services.catch_up()
        status = services.projections.videos.get(str(raw_only.video_id))
        assert status is not None and status.erased and status.state is State.ARCHIVED
        story = explain(str(raw_only.video_id), history)
        assert "erased" in story[0] and any("Erased at" in line for line in story)
        with pytest.raises(TransitionNotAllowed):
            services.library.claim(raw_only.video_id, "late-run", 60)

    def test_an_erased_video_stays_erased_when_its_bytes_come_back(
        self, wire: Wire, tmp_path: Path
    ) -> None:
        services = wire(failing("ollama_unavailable"), failing("roi_uncertain"))
        source = _video(tmp_path, "d", 4)
        first = services.importer.import_file(str(source))
        assert first.video_id is not None and first.level is Level.RAW_COPIED
        services.eraser.erase(first.video_id, "request 2026-19")

        again = services.importer.import_file(str(source))  # the same bytes, re-imported
        queued = services.importer.enqueue(str(source))  # and queued for the workers

        data = services.settings.data_dir
        for report in (again, queued):
            assert (report.video_id, report.reason, report.failed) == (
                first.video_id, "erased_video", True,
            )  # fmt: skip
        assert not list((data / "raw").iterdir()) and not list((data / "quarantine").iterdir())
        history = list(services.library.history(first.video_id))
        names = [type(e).__name__ for e in history]
        assert names[-3:] == ["Erased", "ReimportRefused", "ReimportRefused"]
        story = explain(str(first.video_id), history)
        assert "erased" in story[0]
        assert any("imported again and refused (erased_video)" in line for line in story)
        services.catch_up()
        status = services.projections.videos.get(str(first.video_id))
        assert status is not None and status.erased and status.state is State.ARCHIVED


class TestErasureOnSQLite(OnSQLite, ErasureContract):
    pass


class TestErasureOnPostgres(OnPostgres, ErasureContract):
    pass
