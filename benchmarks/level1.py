"""Level 1 throughput against a one-pass ffmpeg baseline, and how fast it falls back.

On a generated 1080p25 clip (Olympus layout, fake patient text, a ticking clock) with the
fake Ollama answering instantly, prints level-1 frames per second (child process, OCR,
Ollama, mask, H.264 encode and verification included), the OCR and Ollama calls per video,
and the ratio to a one-pass ffmpeg baseline measured in the same run (drawbox black outside
the endoscope region, libx264 ``-preset veryfast -crf 18``; target: level 1 >= 0.5x).
Then the time from start to fallback with Ollama down (target < 1 s) and with the circuit
open (target < 10 ms).

    .venv/bin/python -m benchmarks.level1 [--seconds 10]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from adapters.cleaning.circuit import CircuitBreaker
from adapters.cleaning.cleaner import OllamaFrameCleaner
from adapters.demo.synthetic import LAYOUTS, make_video
from adapters.video.ffmpeg import X264_ARGS, ffmpeg_exe
from tests.fake_ollama import FakeOllama


def baseline(source: Path, target: Path) -> float:
    """One ffmpeg pass: black outside the endoscope image, libx264 veryfast crf 18."""
    x, _, w, _ = LAYOUTS["olympus"].image
    boxes = f"drawbox=x=0:y=0:w={x}:h=ih:c=black:t=fill"
    if x + w < LAYOUTS["olympus"].width:
        boxes += f",drawbox=x={x + w}:y=0:w=iw-{x + w}:h=ih:c=black:t=fill"
    started = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-i", str(source), "-vf", boxes, "-an",
         *X264_ARGS, "-pix_fmt", "yuv420p", str(target)],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clip = make_video(root / "clip.mp4", "olympus", seconds=args.seconds, fps=25.0, seed=7)
        base_s = baseline(clip.path, root / "base.mp4")
        with FakeOllama() as fake:
            cleaner = OllamaFrameCleaner(fake.host, read_timeout=30.0, budget_s=600.0)
            started = time.perf_counter()
            result = cleaner.clean("bench", str(clip.path), str(root / "level1.mp4"))
            level1_s = time.perf_counter() - started
            ollama_calls = len(fake.chat_bodies)
        counts = re.search(r"(\d+) OCR and (\d+) Ollama calls", result.detail)
        ocr_calls = counts.group(1) if counts else "?"
        print(f"clip: 1920x1080 @25 fps, {clip.frames} frames")
        print(f"level 1 result: {result.reason} (verification {result.verification})")
        print(f"baseline ffmpeg one pass: {base_s:6.2f} s  {clip.frames / base_s:6.1f} fps")
        print(f"level 1 (whole):          {level1_s:6.2f} s  {clip.frames / level1_s:6.1f} fps")
        print(f"ratio level 1 / baseline: {base_s / level1_s:.2f}x (target >= 0.5x)")
        print(f"OCR calls per video: {ocr_calls}; Ollama calls per video: {ollama_calls}")

        with FakeOllama(mode="down") as down:
            cleaner = OllamaFrameCleaner(down.host)
            times = []
            for _ in range(5):
                started = time.perf_counter()
                reason = cleaner.clean("bench", str(clip.path), str(root / "x.mp4")).reason
                times.append(time.perf_counter() - started)
        print(f"Ollama down -> {reason}: median {statistics.median(times) * 1000:.1f} ms (< 1 s)")

        breaker = CircuitBreaker(root / "circuit.json", threshold=1, cooldown_s=3600)
        breaker.record(True, "ollama_unavailable")
        cleaner = OllamaFrameCleaner("http://127.0.0.1:9", circuit=breaker)
        times = []
        for _ in range(200):
            started = time.perf_counter()
            reason = cleaner.clean("bench", str(clip.path), str(root / "x.mp4")).reason
            times.append(time.perf_counter() - started)
        print(
            f"circuit open -> {reason}: median {statistics.median(times) * 1000:.2f} ms (< 10 ms)"
        )


if __name__ == "__main__":
    main()
