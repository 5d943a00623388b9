"""Fuzzing the import boundary (issue #8): random bytes and mutated MP4s through
``Importer.import_file`` wired by ``adapters.bootstrap.build``, Ollama down.

Properties: never raises; the file is refused or failed with a reason, or archived; an
anonymized output decodes to as many frames as the input declares; the input is unchanged,
its raw original kept, no partial file left. Bounded: 30 examples, well under 30 s.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Services
from adapters.demo.synthetic import circle_layout, make_video
from domain.rulebook import State
from tests.figures import record
from tests.robustness import PLANTED_NAME, count_lost, offline_services, partials, sha256

pytestmark = pytest.mark.slow


@functools.cache
def base_video() -> bytes:
    """A small valid H.264 MP4 (480x270, 10 frames), made once per process."""
    with tempfile.TemporaryDirectory(prefix="endoveil-fuzz-base-") as folder:
        path = Path(folder) / "base.mp4"
        return make_video(path, circle_layout(480, 270), seconds=0.4).path.read_bytes()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The small valid MP4 with bytes flipped, cut short, or spliced with other bytes."""
    data = bytearray(base_video())
    kind = draw(st.sampled_from(["flip", "truncate", "splice"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    cut = draw(st.integers(0, len(data) - 1))
    if kind == "truncate":
        return bytes(data[:cut])
    insert = draw(st.binary(max_size=64) | st.just(bytes(data[cut : cut + 512])))
    resume = draw(st.integers(cut, len(data)))
    return bytes(data[:cut]) + insert + bytes(data[resume:])


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    with tempfile.TemporaryDirectory(prefix="endoveil-fuzz-data-") as folder:
        yield offline_services(Path(folder))


def _declared_frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()


def _decoded_frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(content=st.binary(max_size=4096) | mutated())
def test_any_bytes_end_refused_failed_or_archived(services: Services, content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="endoveil-fuzz-in-") as folder:
        source = Path(folder) / f"{PLANTED_NAME} fuzz.mp4"
        source.write_bytes(content)
        before = sha256(source)

        report = services.importer.import_file(str(source))
        record("trials")
        record("bad_inputs")

        data_dir = services.settings.data_dir
        assert report.state in (None, State.FAILED, State.ARCHIVED)
        assert report.reason and report.detail
        assert report.failed == (report.state is not State.ARCHIVED)
        if report.anonymized:
            assert report.output is not None
            output = Path(services.store.locate(report.output))
            assert _decoded_frames(output) == _declared_frames(source) > 0
        assert count_lost(source, before, data_dir, report) == 0
        assert partials(data_dir) == []
