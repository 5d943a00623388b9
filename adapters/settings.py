"""One typed settings object, read from ``ENDOVEIL_*`` variables and command-line flags."""

from __future__ import annotations

from pathlib import Path

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

    @property
    def event_store_path(self) -> Path:
        """The embedded SQLite event store."""
        return self.data_dir / "events.sqlite"
