"""Where the fixed cost of one ``endoveil import`` goes: wall and CPU seconds per phase.

Run as a child of ``benchmarks/masking.py`` (or alone: ``python benchmarks/import_phases.py
CLIP``, with ``ENDOVEIL_DATA_DIR`` and ``OLLAMA_HOST`` set): runs the CLI's ``import`` in this
process with timers around its phases and prints one JSON object of
``{phase: [wall_s, cpu_s]}`` on the last line. CPU is this process's (threads included) plus
its finished children's (ffmpeg). Phases nest only where said: ``level 2`` includes the
encode; ``event store`` sums every write and read of the aggregate outside the levels.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


PHASES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
_depth = [0]


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    _depth[0] += 1
    wall, used = time.perf_counter(), cpu()
    try:
        yield
    finally:
        _depth[0] -= 1
        PHASES[name][0] += time.perf_counter() - wall
        PHASES[name][1] += cpu() - used


def timed(owner: Any, method: str, name: str, outermost: bool = False) -> None:
    original: Callable[..., Any] = getattr(owner, method)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if outermost and _depth[0] > 0:  # counted by the phase around it
            return original(*args, **kwargs)
        with phase(name):
            return original(*args, **kwargs)

    setattr(owner, method, wrapper)


def main() -> None:
    start_wall, start_cpu = time.perf_counter(), cpu()
    with phase("CLI modules (typer, settings)"):
        from adapters.cli.main import app
    with phase("wiring modules (bootstrap)"):
        import adapters.bootstrap as bootstrap
        from adapters.cleaning.cleaner import OllamaFrameCleaner
        from adapters.masking.masker import OpenCVMasker
        from adapters.storage.files import FileStore
        from adapters.video.probe import OpenCVProbe
        from domain.application import VideoLibrary
        from projections.catalog import Projections
    with phase("level 2 modules (cv2, numpy, masker; loaded lazily in a real import)"):
        import adapters.endoscope.activity as activity
        import adapters.endoscope.blanks as blanks
        import adapters.masking.inside_text as inside_text
        import adapters.video.ffmpeg as ffmpeg
        import adapters.video.ocr as ocr
    timed(bootstrap, "build", "open event store + views (build)")
    timed(activity, "locate_endoscope", "  level 2: region search")
    timed(blanks, "find_blank_ranges", "  level 2: frame classification")
    timed(ffmpeg, "ffmpeg_version", "  level 2: ffmpeg version")
    timed(ocr.RapidOcr, "__init__", "  level 2: OCR engine import")
    timed(OpenCVMasker, "_encode_and_check", "  level 2: encode + verification")
    original_warm = inside_text.warmed_up

    @contextlib.contextmanager
    def warm_timed(engine: Any) -> Iterator[None]:
        with original_warm(engine):
            yield
            waited = time.perf_counter()
        PHASES["  level 2: waiting for the OCR warm-up after the encode"][0] += (
            time.perf_counter() - waited
        )

    inside_text.warmed_up = warm_timed
    timed(FileStore, "receive", "copy + hash")
    timed(OpenCVProbe, "probe", "probe")
    timed(OllamaFrameCleaner, "clean", "level 1 (Ollama down)")
    timed(OpenCVMasker, "mask", "level 2 (detection, encode, verification)")
    timed(Projections, "catch_up", "views catch up")
    for method in ("register", "claim", "apply", "get", "renew", "release", "exists"):
        if hasattr(VideoLibrary, method):
            timed(VideoLibrary, method, "event store", outermost=True)
    with contextlib.suppress(SystemExit):  # the command ends with typer.Exit
        app(["import", sys.argv[1], "--json"], prog_name="endoveil")
    PHASES["total in process"] = [time.perf_counter() - start_wall, cpu() - start_cpu]
    print(json.dumps({name: [round(w, 3), round(c, 3)] for name, (w, c) in PHASES.items()}))


if __name__ == "__main__":
    os.environ.setdefault("OLLAMA_HOST", "http://127.0.0.1:9")
    main()
