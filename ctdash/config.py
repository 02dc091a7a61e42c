"""Settings read from the environment (prefix CTDASH_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


class Settings(BaseSettings):
    """Deployment settings; every field can be set as CTDASH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="CTDASH_", extra="ignore")

    database_url: str = f"sqlite:///{DATA_DIR / 'ctdash.db'}"
    data_dir: Path = DATA_DIR
    require_login: bool = False
    # A signed-in viewer idle for longer than this is signed out on their next action.
    idle_minutes: int = Field(default=30, ge=1)


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
