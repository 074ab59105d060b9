"""Where groq-tui keeps its files (platform conventions, via platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP_NAME = "groq-tui"
CONFIG_ENV = "GROQ_TUI_CONFIG"
"""Environment variable naming another config file to use."""


def config_file() -> Path:
    """The TOML config file: $GROQ_TUI_CONFIG, else the platform config dir's config.toml."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    """The platform data dir (history database, kept recordings)."""
    return user_data_path(APP_NAME)
