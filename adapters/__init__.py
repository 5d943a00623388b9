"""Adapters: the outside world (OpenCV, ffmpeg, Ollama, files, CLI) behind the domain's ports."""

import os

# OpenCV's bundled FFmpeg prints demuxer complaints ("moov atom not found") straight to the
# process's stderr; bad input must give one clear line, not library noise. Set before cv2 loads.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
