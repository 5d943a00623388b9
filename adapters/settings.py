"""One typed settings object, read from ``ENDOVEIL_*`` variables and command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that can be configured; the defaults work out of the box."""

    model_config = SettingsConfigDict(env_prefix="ENDOVEIL_", extra="ignore")

    data_dir: Path = Path("endoveil-data")
    cipher_key: str | None = Field(default=None, repr=False)
    ollama_host: str = Field(
        default="http://127.0.0.1:11434",
        validation_alias=AliasChoices("OLLAMA_HOST", "ENDOVEIL_OLLAMA_HOST"),
    )
    ollama_model: str = "qwen2.5:1.5b-instruct"
    ollama_connect_timeout: float = Field(default=2.0, gt=0, le=2.0)
    ollama_read_timeout: float = Field(default=10.0, gt=0)
    ocr_engine: str = "rapidocr_onnxruntime"
    lease_seconds: float = Field(default=300.0, gt=0)
    # "sqlite" (events.sqlite in the data dir) or postgresql://user:password@host:port/dbname
    event_store: str = Field(default="sqlite", repr=False)
    postgres_pool_size: int = Field(default=5, ge=1)
    postgres_schema: str = ""
    cleaning_budget: float = Field(default=120.0, gt=0)  # level 1: fixed part, seconds
    cleaning_budget_per_minute: float = Field(default=60.0, ge=0)  # plus this per video minute
    circuit_threshold: int = Field(default=3, ge=1)
    circuit_cooldown: float = Field(default=60.0, ge=0)
    # The service (#7): bearer tokens, comma-separated; a reviewer may also do what a viewer may.
    viewer_tokens: str = Field(default="", repr=False)
    reviewer_tokens: str = Field(default="", repr=False)
    log_format: Literal["text", "json"] = "text"
    views_max_staleness: float = Field(default=0.5, ge=0)
    watch_stable_seconds: float = Field(default=2.0, ge=0)
    # Review and release (#16): who releases outputs; how long originals and raw copies stay.
    release_policy: Literal["auto", "review"] = "auto"
    raw_retention_days: float | None = Field(default=None, gt=0)
    # Running it in a clinic (#18): ImportsSilent fires after this long without an import.
    import_silence_seconds: float = Field(default=14400.0, gt=0)
    # Level 2's H.264 encoder: libx264, auto (probe the hardware encoders once) or one of them.
    encoder: str = "libx264"

    @property
    def event_store_path(self) -> Path:
        """The embedded SQLite event store."""
        return self.data_dir / "events.sqlite"

    @property
    def circuit_path(self) -> Path:
        """The Ollama circuit breaker's state for this host and model (shared by processes)."""
        from adapters.cleaning.circuit import circuit_file  # settings load before adapters

        return circuit_file(self.data_dir, self.ollama_host, self.ollama_model)
