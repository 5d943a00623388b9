"""ENDOVEIL_ENCODER: hardware encoders only after a test encode; libx264 when none answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.masking import encoders
from adapters.masking.encoders import choose, probe
from adapters.masking.masker import OpenCVMasker


@pytest.fixture(autouse=True)
def fresh_choice() -> Iterator[None]:
    choose.cache_clear()
    yield
    choose.cache_clear()


def test_the_cpu_encoder_answers_the_probe_and_a_missing_device_does_not() -> None:
    assert probe("libx264")
    if Path(encoders.VAAPI_DEVICE).exists():
        pytest.skip("this machine has a VAAPI render node: the negative probe needs none")
    assert not probe("h264_vaapi")


def test_auto_falls_back_to_libx264_when_no_hardware_encoder_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(encoders, "probe", lambda name: asked.append(name) is not None)

    chosen = choose("auto")

    assert asked == ["h264_nvenc", "h264_qsv", "h264_vaapi"]
    assert chosen.name == "libx264"
    assert chosen.record == "libx264 veryfast crf18 (auto: no hardware encoder answered)"


def test_auto_takes_the_first_encoder_that_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoders, "probe", lambda name: name == "h264_qsv")

    assert choose("auto").name == "h264_qsv"
    assert choose("h264_nvenc").record == "libx264 veryfast crf18 (h264_nvenc did not answer)"
    assert choose("x265-please").record == "libx264 veryfast crf18 (unknown ENDOVEIL_ENCODER)"


def test_the_probe_runs_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(encoders, "probe", lambda name: asked.append(name) is not None)

    choose("h264_nvenc")
    choose("h264_nvenc")

    assert asked == ["h264_nvenc"]


def test_the_encoder_used_is_recorded_in_the_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_probe = encoders.probe
    monkeypatch.setattr(encoders, "probe", lambda name: name == "libx264" and real_probe(name))
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=0.6, seed=41)

    result = OpenCVMasker(encoder="auto").mask("video-e", str(source.path), str(tmp_path / "o.mp4"))

    assert result.succeeded, result
    assert result.versions["encoder"] == (
        "libx264 veryfast crf18 (auto: no hardware encoder answered)"
    )
