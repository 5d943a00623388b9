"""The H.264 encoder of level 2: ``ENDOVEIL_ENCODER=auto|libx264|h264_nvenc|h264_qsv|h264_vaapi``.

The bundled ffmpeg lists NVENC, QSV and VAAPI encoders, but without a device they fail when
they open (VIDEO-NOTES), so a hardware encoder is used only after a tiny test encode
succeeded, once per process. ``auto`` tries them in turn; anything that does not answer
falls back to libx264 on the CPU, and the event's versions say which encoder ran and why.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass

from adapters.video.ffmpeg import ENCODER_SETTINGS, X264_ARGS
from adapters.video.ffmpeg_frames import start_ffmpeg, stop

HARDWARE = ("h264_nvenc", "h264_qsv", "h264_vaapi")
CHOICES = ("auto", "libx264", *HARDWARE)
VAAPI_DEVICE = "/dev/dri/renderD128"
PROBE_TIMEOUT_S = 10.0
# Quality settings of about the same visual result as libx264 crf 18.
_CODEC_ARGS: dict[str, tuple[str, ...]] = {
    "libx264": X264_ARGS,
    "h264_nvenc": ("-c:v", "h264_nvenc", "-preset", "p4", "-rc", "vbr", "-cq", "18"),
    "h264_qsv": ("-c:v", "h264_qsv", "-global_quality", "18"),
    "h264_vaapi": ("-c:v", "h264_vaapi", "-qp", "18"),
}


@dataclass(frozen=True)
class Encoder:
    """The encoder chosen: its ffmpeg arguments and what the event records."""

    name: str
    record: str  # e.g. ``libx264 veryfast crf18 (h264_nvenc did not answer)``

    def input_args(self) -> list[str]:
        """Global/input options the encoder needs (a VAAPI device)."""
        return ["-vaapi_device", VAAPI_DEVICE] if self.name == "h264_vaapi" else []

    def filter_tail(self) -> str:
        """What the filter graph appends to hand frames to the encoder (VAAPI uploads)."""
        return ",format=nv12,hwupload" if self.name == "h264_vaapi" else ""

    def codec_args(self) -> list[str]:
        """``-c:v`` and its quality options."""
        return list(_CODEC_ARGS[self.name])


def _settings(name: str) -> str:
    return ENCODER_SETTINGS if name == "libx264" else f"{name} q18"


def probe(name: str) -> bool:
    """Whether ``name`` encodes a tiny clip on this machine (a device answered)."""
    encoder = Encoder(name, name)
    args = [*encoder.input_args(), "-f", "lavfi", "-i", "color=black:s=256x256:r=25:d=0.2",
            "-vf", "format=yuv420p" + encoder.filter_tail(), *encoder.codec_args(),
            "-f", "null", "-"]  # fmt: skip
    try:
        proc = start_ffmpeg(args, subprocess.DEVNULL, subprocess.DEVNULL)
    except OSError:
        return False
    try:
        return proc.wait(timeout=PROBE_TIMEOUT_S) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        stop(proc)


@functools.cache
def choose(wanted: str) -> Encoder:
    """The encoder for the setting ``wanted``, probed once per process; never raises."""
    wanted = wanted.strip().lower() or "libx264"
    if wanted == "libx264":
        return Encoder("libx264", _settings("libx264"))
    if wanted not in CHOICES:
        return Encoder("libx264", f"{_settings('libx264')} (unknown ENDOVEIL_ENCODER)")
    tried = HARDWARE if wanted == "auto" else (wanted,)
    for name in tried:
        if probe(name):
            return Encoder(name, _settings(name))
    why = "auto: no hardware encoder answered" if wanted == "auto" else f"{wanted} did not answer"
    return Encoder("libx264", f"{_settings('libx264')} ({why})")
