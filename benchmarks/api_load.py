"""Load test of the HTTP API over the 100,000-video projection (bounded, loopback only).

Writes the events of ``--videos`` imports (the code of ``benchmarks.projections``), catches
the views up, starts ``endoveil serve`` on a free 127.0.0.1 port in a subprocess, then sends
at most ``--requests`` requests per endpoint (for at most ``--seconds`` each) from
``--clients`` threads, and prints requests per second and latency percentiles.

    python -m benchmarks.api_load [--videos 100000] [--requests 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from adapters.bootstrap import build, event_store_env
from adapters.settings import Settings
from adapters.web.readside import ReadSide
from benchmarks.projections import write
from domain.application import VideoLibrary
from tests.serving import free_port

HOST = "127.0.0.1"  # loopback only, by construction
TOKEN = "load-test-token"


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ENDOVEIL_VIEWER_TOKENS": TOKEN}
    env.pop("ENDOVEIL_CIPHER_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data), "serve",
         "--host", HOST, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def load(client: httpx.Client, paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    """Send every path (stopping after ``seconds``); return rps and latency percentiles."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []

    def one(path: str) -> None:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, paths))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint (bound)")
    parser.add_argument("--seconds", type=float, default=60.0, help="per endpoint (bound)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(data_dir=data)
        events, write_s = write(VideoLibrary(env=event_store_env(settings)), args.videos)
        print(f"videos: {args.videos}, events: {events} (written in {write_s:.0f} s)")
        services = build(settings)
        read = ReadSide(services, max_staleness=0)
        started = time.perf_counter()
        read.fresh()
        print(f"views caught up in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        services.projections.metrics.compute(datetime.now(UTC))
        print(f"metrics computed once, uncached: {1000 * (time.perf_counter() - started):.1f} ms")
        port = free_port()
        server = start_server(data, port)
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            base = f"http://{HOST}:{port}"
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                pages = -(-args.videos // 50)
                rng = random.Random(0)
                runs = {
                    "/api/videos?page=<random>": [
                        f"/api/videos?page={rng.randint(1, pages)}&per_page=50"
                        for _ in range(args.requests)
                    ],
                    "/api/videos?page=1": ["/api/videos?page=1&per_page=50"] * args.requests,
                    "/api/metrics": ["/api/metrics"] * args.requests,
                    "/metrics (Prometheus)": ["/metrics"] * args.requests,
                }
                for name, paths in runs.items():
                    load(client, paths[: args.clients * 5], args.clients, args.seconds)  # warm up
                    r = load(client, paths, args.clients, args.seconds)
                    print(f"{name:28} {r['requests']:6.0f} requests {r['rps']:8.1f} req/s  "
                          f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms")  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
