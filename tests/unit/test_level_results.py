"""From a level's result to the step its event records, and what the encoder is recorded as."""

from __future__ import annotations

from adapters.video.ffmpeg import ENCODER_SETTINGS, X264_ARGS, encoder_settings
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason
from domain.rulebook import Level
from domain.steps import Step


def test_an_expected_failure_becomes_a_failed_result_with_its_reason_and_sentence() -> None:
    failure = LevelFailure(Reason.ROI_UNCERTAIN, "No endoscope image was found.")
    result = failure.result({"opencv": "5"}, "failed")
    assert result == LevelResult(
        False,
        Reason.ROI_UNCERTAIN,
        "No endoscope image was found.",
        {"opencv": "5"},
        None,
        "failed",
    )


def test_a_step_from_a_result_copies_what_ran_but_never_the_patient_data_in_clear() -> None:
    versions = {"ocr": "rapidocr"}
    result = LevelResult(
        True, Reason.FRAME_CLEANED, "Masked.", versions, "/abs/out.mp4", "passed", {"name": "X"}
    )
    step = Step.from_result(result, Level.FRAME_CLEANING, 1.5, {"sealed": "abc"})
    assert step == Step(
        Reason.FRAME_CLEANED, "Masked.", Level.FRAME_CLEANING, 1.5, {"ocr": "rapidocr"},
        None, "passed", {"sealed": "abc"},
    )  # fmt: skip
    assert step.versions is not versions  # the event's copy cannot change under it
    assert Step.from_result(result, Level.FRAME_CLEANING, 1.5).patient_metadata is None


def test_the_recorded_encoder_settings_follow_the_arguments_ffmpeg_is_given() -> None:
    assert "libx264" in X264_ARGS
    assert ENCODER_SETTINGS == "libx264 veryfast crf18"  # what stored events already hold
    slower = ("-c:v", "libx264", "-preset", "slow", "-crf", "23")
    assert encoder_settings(slower) == "libx264 slow crf23"
