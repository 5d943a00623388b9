"""Level 2 throughput against the one-pass ffmpeg baseline, PSNR, and flat memory.

Run: ``.venv/bin/python benchmarks/masking.py [--repeats 3] [--long]``

Prints frames per second for (a) decode only (the ceiling), (b) one ffmpeg pass with drawbox
black outside the Olympus rectangle and libx264 veryfast crf 18 (the baseline), (c) endoveil's
level 2 (``OpenCVMasker.mask`` end to end: detection, mask+encode, verification), the ratio
c/b (also on the clip repeated to 4x its length, where detection and verification weigh
less), the PSNR of the endoscope region against the input, and the peak RSS of the level-2
process tree for a 20 s and an 80 s clip (and a 10-minute 320x240 clip with ``--long``),
CPU seconds of the baseline and of level 2 (the machine is shared: wall ratios are noisy),
the cost of the checks added for unseen recorders (region search with brightness, reading
the image for text on every keyframe, as recorded and with a banner and a clock drawn in,
classifying every frame by its surround and by what its image shows when a sample showed no
endoscopy, and watching every frame during the encode), and the whole ``endoveil import`` of
a 16 s clip with Ollama down against the baseline (start-up, copy and hash, probe, detection,
encode, verification), with a breakdown of its fixed costs in wall and CPU seconds
(``benchmarks/import_phases.py``).
Each timing is repeated; min / median / max are printed (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.demo.synthetic import circle_layout, make_video  # noqa: E402
from adapters.video.ffmpeg import X264_ARGS, ffmpeg_exe  # noqa: E402

RECT = (550, 0, 1350, 1080)  # Olympus CV-1500
BASE_FILTER = (
    "drawbox=x=0:y=0:w=550:h=1080:c=black:t=fill,drawbox=x=1900:y=0:w=20:h=1080:c=black:t=fill"
)
ENCODER = [*X264_ARGS, "-pix_fmt", "yuv420p"]  # the baseline encodes as endoveil does

# Runs level 2 in a child process: its wall time (per video, as in a worker: imports and the
# once-per-process ffmpeg version probe are not counted) and the peak RSS of it and of its ffmpeg
# children (ru_maxrss of the children is the largest one; the sum is an upper bound of the
# tree's peak, as ffmpeg and Python run side by side).
_CHILD = """
import json, resource, sys, time
from adapters.video.ffmpeg import ffmpeg_version
from adapters.masking.masker import OpenCVMasker
ffmpeg_version()  # read once per worker process, not per video
def cpu():
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))
start, start_cpu = time.perf_counter(), cpu()
result = OpenCVMasker().mask("bench", sys.argv[1], sys.argv[2])
seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"ok": result.succeeded, "reason": result.reason, "seconds": seconds,
                  "cpu": cpu_seconds, "rss_mb": (me + kids) / 1024, "detail": result.detail,
                  "checked": result.versions.get("verification_checked", "")}))
"""


CPU_SECONDS: list[float] = []  # of each ``run``, in order


def run(args: list[str]) -> float:
    """Wall seconds of one ffmpeg run (its CPU seconds go to ``CPU_SECONDS``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return time.perf_counter() - start


def level2(source: Path, target: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(source), str(target)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if not report["ok"]:
        raise SystemExit(f"level 2 failed: {report}")
    return report


def psnr(output: Path, source: Path, rect: tuple[int, int, int, int]) -> float:
    x, y, w, h = rect
    crop = f"crop={w}:{h}:{x}:{y}"
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(output), "-i", str(source), "-lavfi",
         f"[0:v]{crop}[a];[1:v]{crop}[b];[a][b]psnr", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"average:([\d.]+|inf)", done.stderr)
    return float(match.group(1)) if match else float("nan")


def concat(clip: Path, times: int, target: Path) -> Path:
    if not target.exists():
        listing = target.with_suffix(".txt")
        listing.write_text("".join(f"file '{clip}'\n" for _ in range(times)))
        run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(target)])
    return target


_CHECKS = """
import itertools, json, statistics, sys, time
import cv2
import numpy as np
from adapters.endoscope.activity import locate_endoscope
import resource, tempfile
from pathlib import Path
from adapters.endoscope.activity import tiny_size
from adapters.endoscope.blanks import View, find_blank_ranges
from adapters.endoscope.faces import FaceFinder
from adapters.endoscope.fades import BriefLines
from adapters.endoscope.watch import FrameWatch
from adapters.masking.encode import encode_masked, keyframe_gap
from adapters.masking.inside_text import CropOcr, InsideReader
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.opencv_frames import read_info
path = sys.argv[1]
info = read_info(path)
start = time.perf_counter()
finding = locate_endoscope(path, info)
region = finding.region
detect = time.perf_counter() - start
ocr = CropOcr()
ocr.find_text(np.zeros((64, 64, 3), np.uint8))  # the model loads once per process
gap = keyframe_gap(info.frames, info.fps)
frames = stream_frames(["-i", path], f"select=not(mod(n\\,{gap}))", info.width, info.height,
                       "gbrp")
keyframes = [planes.copy() for planes in frames]  # what the tap hands over, 1 s apart
x, y, w, h = region.bbox


def with_text(planes, k):  # a still banner and a clock ticking every second, inside
    bgr = cv2.merge([planes[1], planes[0], planes[2]])
    cv2.putText(bgr, "Mustermann, Erika 12.03.1955", (x + 60, y + 60), cv2.FONT_HERSHEY_SIMPLEX,
                1.0, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(bgr, f"16:11:{k:02d}", (x + w - 260, y + h - 40), cv2.FONT_HERSHEY_SIMPLEX,
                1.0, (255, 255, 255), 2, cv2.LINE_AA)
    return np.stack([bgr[..., 1], bgr[..., 0], bgr[..., 2]])


report = {"detect": detect, "keyframes": len(keyframes)}
drawn = [with_text(planes, k) for k, planes in enumerate(keyframes)]
for name, shown in (("plain", keyframes), ("text", drawn)):
    reader = InsideReader(ocr, region.mask[y : y + h, x : x + w], region.bbox, (), len(shown) // 2)
    start = time.perf_counter()
    for planes in shown:
        reader.add(planes)
    reading = reader.result()
    costs = [c for c in reading.costs if not c.whole]
    report[name] = {
        "wall": time.perf_counter() - start,
        "cpu": sum(c.seconds for c in reading.costs),
        "median_ms": 1000 * statistics.median(c.seconds for c in costs),
        "max_ms": 1000 * max(c.seconds for c in costs),
        "whole_ms": 1000 * sum(c.seconds for c in reading.costs if c.whole),
        "candidates": sum(c.candidates for c in reading.costs),
        "read": sum(c.read for c in reading.costs),
        "lines": reading.lines,
    }
start = time.perf_counter()
find_blank_ranges(path, region, info.frames, finding.scene)
report["blanks"] = time.perf_counter() - start
report["frames"] = info.frames
finder = FaceFinder()  # the model loads once per process
start = time.process_time()
for planes in keyframes:  # each keyframe's image, looked at for a face
    finder.shows_face(cv2.merge([planes[1][y : y + h, x : x + w], planes[0][y : y + h, x : x + w],
                                 planes[2][y : y + h, x : x + w]]))
report["faces_cpu"] = time.process_time() - start
tiny = tiny_size(info.width, info.height)
fades, inside = BriefLines(gap), ~View.of(region, tiny).surround
start = time.process_time()
for copy in stream_frames(["-i", path], f"scale={tiny[0]}:{tiny[1]}:flags=area", *tiny, "bgr24"):
    fades.add(copy, inside)
report["fades_cpu"] = time.process_time() - start  # with ffmpeg's decode waits (its own CPU not)


def cpu():
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


spent = {False: [], True: []}  # the masking encode without and with the watch, twice each
for watched in (False, True, False, True):
    watch = FrameWatch(region, (), finding.scene, tiny_size(info.width, info.height))
    before = cpu()
    with tempfile.TemporaryDirectory() as folder:
        encode_masked(path, Path(folder) / "out.mp4", region, info,
                      watch=watch if watched else None)
    spent[watched].append(cpu() - before)
report["watch_cpu"] = min(spent[True]) - min(spent[False])
report["encode_cpu"] = min(spent[False])
print(json.dumps(report))
"""


def checks_cost(clip: Path) -> dict[str, Any]:
    """Seconds of region search, inside reading (every keyframe) and frame classification."""
    done = subprocess.run([sys.executable, "-c", _CHECKS, str(clip)], cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    costs: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return costs


def inside_line(name: str, cost: dict[str, float], keyframes: int) -> str:
    """One line on what reading the image on every keyframe cost."""
    return (
        f"    {name}: {cost['cpu']:.2f} CPU s for {keyframes} keyframes (per keyframe median "
        f"{cost['median_ms']:.0f} ms, max {cost['max_ms']:.0f} ms; whole read "
        f"{cost['whole_ms']:.0f} ms), {cost['candidates']:.0f} candidates, "
        f"{cost['read']:.0f} cut out and read, {cost['lines']:.0f} line(s) found"
    )


def whole_import(clip: Path, work: Path) -> float:
    """Seconds of ``endoveil import`` of ``clip`` into a fresh data dir, Ollama down."""
    data = work / "import-data"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "OLLAMA_HOST": "http://127.0.0.1:9", "ENDOVEIL_DATA_DIR": str(data)}
    env.pop("ENDOVEIL_EVENT_STORE", None)
    start = time.perf_counter()
    command = [sys.executable, "-m", "adapters.cli", "import", str(clip), "--json"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if '"fallback_basic"' not in done.stdout:
        raise SystemExit(f"the import did not end at level 2: {done.stdout} {done.stderr[-500:]}")
    return seconds


def import_phases(clip: Path, work: Path) -> tuple[float, dict[str, list[float]]]:
    """Wall seconds of the child and its ``{phase: [wall_s, cpu_s]}`` (import_phases.py)."""
    data = work / "phases-data"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "OLLAMA_HOST": "http://127.0.0.1:9", "ENDOVEIL_DATA_DIR": str(data)}
    env.pop("ENDOVEIL_EVENT_STORE", None)
    script = ROOT / "benchmarks" / "import_phases.py"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), str(clip)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    seconds = time.perf_counter() - start
    phases: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, phases


def print_phases(seconds: float, phases: dict[str, list[float]]) -> None:
    """The fixed costs of one import around the encode, wall and CPU (the machine is shared)."""
    inside = phases["total in process"][0]
    print(f"  one import, {seconds:.2f} s wall: interpreter start {seconds - inside:.2f} s, then")
    for name, (wall, cpu) in phases.items():
        if name != "total in process":
            print(f"    {name:66s} {wall:7.3f} s  (CPU {cpu:.3f} s)")


def spread(values: list[float], digits: int = 1) -> str:
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{median:7.{digits}f}  (min {low:.{digits}f}, max {high:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--long", action="store_true", help="also 10 min at 320x240")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "endoveil-bench")
    options = parser.parse_args()
    work = options.work
    work.mkdir(parents=True, exist_ok=True)
    clip = work / f"olympus-{options.seconds:g}s.mp4"
    if not clip.exists():
        make_video(clip, "olympus", seconds=options.seconds, seed=1)
    frames = round(options.seconds * 25)
    a, b, c, ratios, rss20, cpu_b, cpu_c = [], [], [], [], [], [], []
    for _ in range(options.repeats):
        a.append(frames / run(["-i", str(clip), "-f", "null", "-"]))
        base = work / "baseline.mp4"
        b.append(frames / run(["-i", str(clip), "-vf", BASE_FILTER, "-an", *ENCODER, str(base)]))
        cpu_b.append(CPU_SECONDS[-1])
        report = level2(clip, work / "level2.mp4")
        c.append(frames / float(report["seconds"]))  # type: ignore[arg-type]
        cpu_c.append(float(report["cpu"]))  # type: ignore[arg-type]
        ratios.append(c[-1] / b[-1])
        rss20.append(float(report["rss_mb"]))  # type: ignore[arg-type]
    print(
        f"clip: 1920x1080 25 fps, {options.seconds:g} s ({frames} frames), {options.repeats} runs"
    )
    print(f"(a) decode only          fps {spread(a)}")
    print(f"(b) ffmpeg drawbox+x264  fps {spread(b)}")
    print(f"(c) endoveil level 2     fps {spread(c)}")
    print(f"c/b (per run)                {spread(ratios, 2)}")
    print(f"CPU seconds: baseline {spread(cpu_b)}, level 2 {spread(cpu_c)}; baseline/level 2 "
          f"{spread([x / y for x, y in zip(cpu_b, cpu_c, strict=True)], 2)}")  # fmt: skip
    print(f"    {report['checked']}")
    print(f"PSNR endoscope region: level 2 {psnr(work / 'level2.mp4', clip, RECT):.2f} dB, "
          f"baseline {psnr(work / 'baseline.mp4', clip, RECT):.2f} dB")  # fmt: skip
    print(f"    {report['detail']}")
    long80 = concat(clip, 4, work / f"olympus-{4 * options.seconds:g}s.mp4")
    rss80, ratios80 = [], []
    for _ in range(2):  # the same clip four times over: the fixed costs of level 2 amortised
        base80 = run(["-i", str(long80), "-vf", BASE_FILTER, "-an", *ENCODER, str(base)])
        report80 = level2(long80, work / "level2-80.mp4")
        ratios80.append(base80 / float(report80["seconds"]))  # type: ignore[arg-type]
        rss80.append(float(report80["rss_mb"]))  # type: ignore[arg-type]
    print(f"c/b at {4 * options.seconds:g} s (per run)         {spread(ratios80, 2)}")
    print(f"peak RSS level 2 tree: {options.seconds:g} s {spread(rss20)} MB; "
          f"{4 * options.seconds:g} s {spread(rss80)} MB")  # fmt: skip
    costs = checks_cost(clip)
    print(
        f"new checks on the {options.seconds:g} s clip: region search {costs['detect']:.2f} s, "
        f"classifying every frame (tiny colour copy: lit surround and what the image shows) "
        f"{costs['blanks']:.2f} s, {1000 * costs['blanks'] / costs['frames']:.1f} ms a frame "
        "(only when a sample showed no endoscopy); reading the image on every keyframe "
        "(beside the encode, worker thread):"
    )
    print(inside_line("as recorded", costs["plain"], costs["keyframes"]))
    print(inside_line("a still banner and a ticking clock drawn in", costs["text"],
                      costs["keyframes"]))  # fmt: skip
    print(f"    watching every frame during the encode (tiny copy split off the input, lit "
          f"surround, scene, changes): {costs['watch_cpu']:.2f} CPU s on "
          f"{costs['encode_cpu']:.1f} CPU s of masking encode "
          f"({100 * costs['watch_cpu'] / costs['encode_cpu']:.1f} %)")  # fmt: skip
    print(f"      of which lines fading in and out (colour on the tiny copies): "
          f"{costs['fades_cpu']:.2f} CPU s for {costs['frames']} frames")  # fmt: skip
    print(f"    a face looked for on every keyframe's image: {costs['faces_cpu']:.2f} CPU s for "
          f"{costs['keyframes']} keyframes")  # fmt: skip
    clip16 = work / "olympus-16s.mp4"
    if not clip16.exists():
        make_video(clip16, "olympus", seconds=16.0, seed=3)
    imports = []
    for _ in range(options.repeats):
        base16 = run(["-i", str(clip16), "-vf", BASE_FILTER, "-an", *ENCODER, str(base)])
        imports.append(base16 / whole_import(clip16, work))
    print(f"whole endoveil import, 16 s clip, baseline/import {spread(imports, 2)}")
    print_phases(*import_phases(clip16, work))
    if options.long:
        small = work / "small-20s.mp4"
        if not small.exists():
            make_video(small, circle_layout(320, 240), seconds=20.0, seed=2)
        ten = concat(small, 30, work / "small-600s.mp4")
        report = level2(ten, work / "level2-600.mp4")
        print(f"10 min 320x240 (15000 frames): {15000 / float(report['seconds']):.0f} fps, "  # type: ignore[arg-type]
              f"peak RSS {float(report['rss_mb']):.0f} MB")  # type: ignore[arg-type]  # fmt: skip


if __name__ == "__main__":
    main()
