"""The store runs start-up work beside the copy of an input and joins it before handing on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from adapters.storage.files import FileStore
from tests.e2e.test_startup import heavy_in, run_cli


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "in.mp4"
    source.write_bytes(b"\0" * (3 << 20))
    return source


def test_the_work_runs_in_another_thread_and_is_done_when_the_copy_is(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "data")
    seen: list[tuple[str, float]] = []

    def work() -> None:
        time.sleep(0.2)  # longer than the copy
        seen.append((threading.current_thread().name, time.monotonic()))

    store.work_beside_copies(work)
    received = store.receive(str(_source(tmp_path)))

    assert received.size == 3 << 20
    assert [name for name, _ in seen] == ["beside-copy"]
    assert seen[0][1] <= time.monotonic()  # finished before receive returned
    assert threading.active_count() == 1


def test_failing_work_does_not_fail_the_copy(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "data")

    def work() -> None:
        raise ImportError("no such module")

    store.work_beside_copies(work)
    received = store.receive(str(_source(tmp_path)))

    assert (tmp_path / "data" / received.original).stat().st_size == 3 << 20


def test_an_enqueue_loads_nothing_heavy_an_import_loads_the_processing_modules(
    tmp_path: Path,
) -> None:
    source = _source(tmp_path)
    queued = run_cli("--data-dir", str(tmp_path / "queue"), "import", "--enqueue", str(source))
    assert queued.code == 0, queued.stderr[-2000:]
    assert heavy_in(queued.modules, ("cv2", "numpy", "rapidocr_onnxruntime")) == []

    env = {"OLLAMA_HOST": "http://127.0.0.1:9"}
    imported = run_cli("--data-dir", str(tmp_path / "import"), "import", str(source), env=env)
    assert imported.code == 1  # zeros are no video: refused, after the modules were loaded
    loaded = {name.split(".")[0] for name in heavy_in(imported.modules)}
    # (-X importtime leaves out some top-level lines of imports made in a thread)
    assert {"cv2", "numpy", "rapidocr_onnxruntime"} <= loaded
    assert not loaded & {"ollama", "httpx"}  # level 1 was never reached, nor its client
