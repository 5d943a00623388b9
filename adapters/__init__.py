"""Adapters: the outside world (OpenCV, ffmpeg, Ollama, files, CLI) behind the domain's ports."""
