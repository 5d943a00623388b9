"""Every reason code the product records, each with the one sentence that explains it.

A code is what events, views, metrics and ``--json`` output store and compare; its sentence is
what people read (the audit, the CLI, the web page's warning), so they all say the same thing.
Stored events hold the code as a plain string: old events may carry a code that is no longer
here, and :func:`sentence_of` then shows the code itself rather than failing.

A new reason: add a member and its sentence below (a test holds every member to a sentence).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Reason(StrEnum):
    """Why a video moved, or why a file could not be imported: a stable, stored code."""

    # The chain's own steps and bookkeeping
    RECEIVED = "received"
    CHAIN_STARTED = "chain_started"
    REPROCESS_REQUESTED = "reprocess_requested"
    NOT_DEGRADED = "not_degraded"
    CLAIMED = "claimed"
    LEASE_RENEWED = "lease_renewed"
    ERASED = "erased"
    ERASED_VIDEO = "erased_video"
    RUN_INTERRUPTED = "run_interrupted"
    # Outputs
    FRAME_CLEANED = "frame_cleaned"
    MASKED = "masked"
    RAW_COPY_QUARANTINED = "raw_copy_quarantined"
    QUARANTINE_FAILED = "quarantine_failed"
    UNEXPECTED_ERROR = "unexpected_error"
    # Level 1 (Ollama, OCR, its time budget)
    OLLAMA_UNAVAILABLE = "ollama_unavailable"
    OLLAMA_TIMEOUT = "ollama_timeout"
    OLLAMA_ERROR = "ollama_error"
    OLLAMA_BAD_ANSWER = "ollama_bad_answer"
    OLLAMA_CIRCUIT_OPEN = "ollama_circuit_open"
    NO_MODELS = "no_models"
    MODEL_MISSING = "model_missing"
    OCR_ENGINE_MISSING = "ocr_engine_missing"
    FACE_MODEL_MISSING = "face_model_missing"
    FACE_IN_IMAGE = "face_in_image"
    CLEANING_TIMEOUT = "cleaning_timeout"
    # Either level's work on the frames
    ROI_UNCERTAIN = "roi_uncertain"
    UNREADABLE_VIDEO = "unreadable_video"
    TRUNCATED_VIDEO = "truncated_video"
    ENCODER_FAILED = "encoder_failed"
    MASKING_FAILED = "masking_failed"
    VERIFICATION_FAILED = "verification_failed"
    TEXT_INSIDE_IMAGE = "text_inside_image"
    # Bad input, refused before or by the probe
    MISSING_FILE = "missing_file"
    IS_DIRECTORY = "is_directory"
    NOT_A_FILE = "not_a_file"
    UNREADABLE = "unreadable"
    EMPTY_FILE = "empty_file"
    NOT_A_VIDEO = "not_a_video"
    UNSUPPORTED_DIMENSIONS = "unsupported_dimensions"
    UNSUPPORTED_FRAME_RATE = "unsupported_frame_rate"
    NO_FRAMES = "no_frames"
    # Review and release (domain/review.py) and who saw what
    RELEASE_HELD = "release_held"
    RELEASED_BY_POLICY = "released_by_policy"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETAINED = "retained"
    REPROCESS_DECIDED = "reprocess_decided"
    ERASE_DECIDED = "erase_decided"
    MEDIA_SERVED = "media_served"
    EXPORTED = "exported"
    FILE_NAME_TOO_LONG = "file_name_too_long"

    @property
    def sentence(self) -> str:
        """The plain-words sentence for this code (no patient data, ends with a period)."""
        return SENTENCES[self]


SENTENCES: Final[dict[Reason, str]] = {
    Reason.RECEIVED: "The video was received.",
    Reason.CHAIN_STARTED: "The fallback chain started at level 1.",
    Reason.REPROCESS_REQUESTED: "Level 1 was asked to run again on a video with a degraded import.",
    Reason.NOT_DEGRADED: "The video has no degraded import, so there is nothing to reprocess.",
    Reason.CLAIMED: "A run claimed the video.",
    Reason.LEASE_RENEWED: "The run working on the video is still alive.",
    Reason.ERASED: "The patient metadata was shredded and the unanonymized files deleted.",
    Reason.ERASED_VIDEO: "This video was erased; its bytes were refused and nothing was kept.",
    Reason.RUN_INTERRUPTED: "The run was interrupted before it finished; its claim was released.",
    Reason.FRAME_CLEANED: "Level 1 found the patient text and masked it.",
    Reason.MASKED: "Everything outside the endoscope image was masked.",
    Reason.RAW_COPY_QUARANTINED: "No level could anonymize the video; the raw copy is "
    "quarantined, not anonymized.",
    Reason.QUARANTINE_FAILED: "The raw copy could not be written; the original is kept.",
    Reason.UNEXPECTED_ERROR: "A level stopped on an unexpected error.",
    Reason.OLLAMA_UNAVAILABLE: "Ollama could not be reached.",
    Reason.OLLAMA_TIMEOUT: "Ollama did not answer in time.",
    Reason.OLLAMA_ERROR: "Ollama answered with an error.",
    Reason.OLLAMA_BAD_ANSWER: "Ollama's answer was not the expected JSON.",
    Reason.OLLAMA_CIRCUIT_OPEN: "Ollama failed repeatedly, so level 1 is skipped for a while.",
    Reason.NO_MODELS: "Ollama has no models installed.",
    Reason.MODEL_MISSING: "Ollama does not have the configured language model.",
    Reason.OCR_ENGINE_MISSING: "The OCR engine could not be loaded.",
    Reason.FACE_MODEL_MISSING: "The face detector's model could not be loaded.",
    Reason.FACE_IN_IMAGE: "A face is shown inside the endoscope image; frame cleaning does "
    "not black out faces.",
    Reason.CLEANING_TIMEOUT: "Frame cleaning did not finish within its time budget.",
    Reason.ROI_UNCERTAIN: "The endoscope image could not be located with certainty.",
    Reason.UNREADABLE_VIDEO: "The video could not be read.",
    Reason.TRUNCATED_VIDEO: "The video is truncated: not all of its frames can be decoded.",
    Reason.ENCODER_FAILED: "The video encoder failed.",
    Reason.MASKING_FAILED: "Masking the frames stopped on an error.",
    Reason.VERIFICATION_FAILED: "The output failed its check for readable patient text.",
    Reason.TEXT_INSIDE_IMAGE: "Patient text inside the endoscope image stayed readable after "
    "masking it.",
    Reason.MISSING_FILE: "The file does not exist.",
    Reason.IS_DIRECTORY: "The path is a directory, not a video file.",
    Reason.NOT_A_FILE: "The path is not a regular file.",
    Reason.UNREADABLE: "The file could not be read.",
    Reason.EMPTY_FILE: "The file is empty.",
    Reason.NOT_A_VIDEO: "The file is not a video.",
    Reason.UNSUPPORTED_DIMENSIONS: "The video's frame size is larger than supported.",
    Reason.UNSUPPORTED_FRAME_RATE: "The video's frame rate is outside the supported range.",
    Reason.NO_FRAMES: "The video declares no frames.",
    Reason.RELEASE_HELD: "The output waits for a reviewer's approval before it may be shared.",
    Reason.RELEASED_BY_POLICY: "The release policy released the verified output.",
    Reason.APPROVED: "A reviewer approved the output for release.",
    Reason.REJECTED: "A reviewer kept the output from release.",
    Reason.RETAINED: "A reviewer decided to keep the raw copy; it is never released.",
    Reason.REPROCESS_DECIDED: "A reviewer sent the video back to be anonymized again.",
    Reason.ERASE_DECIDED: "A reviewer decided to erase the unanonymized files.",
    Reason.MEDIA_SERVED: "An unanonymized file of the video was sent to someone.",
    Reason.EXPORTED: "The released output was copied out in an export.",
    Reason.FILE_NAME_TOO_LONG: "The file name is too long to claim; the file was not imported.",
}


def reason_of(code: str) -> Reason | str:
    """The code read back from a stored event: a ``Reason``, or the string if it is unknown."""
    try:
        return Reason(code)
    except ValueError:
        return code


def sentence_of(code: str) -> str:
    """The sentence for ``code``; a code unknown today (an old event's) is shown as itself."""
    found = reason_of(code)
    return found.sentence if isinstance(found, Reason) else code


def said(code: str, detail: str) -> str:
    """The code's sentence, then an event's own detail where it says more than the sentence."""
    sentence = sentence_of(code)
    if detail in ("", sentence):
        return sentence
    if detail.startswith(sentence.removesuffix(".")):  # the detail is the sentence, amplified
        return detail
    return f"{sentence} {detail}"


def clause_of(code: str) -> str:
    """The sentence as a clause inside another sentence: no final period, lower-case start.

    Names and abbreviations keep their capitals ("Ollama could not be reached", "OCR ...").
    """
    sentence = sentence_of(code).removesuffix(".")
    first = sentence.split(" ", 1)[0]
    if first in _NAMES or first[1:2].isupper():
        return sentence
    return sentence[:1].lower() + sentence[1:]


_NAMES: Final = frozenset({"Ollama", "Ollama's", "Level"})
