"""Settings and platform paths."""

from groq_tui.config.paths import config_file, data_dir
from groq_tui.config.problems import InvalidSettings, SettingProblem
from groq_tui.config.saving import save_api_key, save_setting
from groq_tui.config.secret import Secret
from groq_tui.config.settings import (
    ConfigFileError,
    Settings,
    config_file_too_open,
    load_settings,
    load_settings_leniently,
)

__all__ = [
    "ConfigFileError",
    "InvalidSettings",
    "Secret",
    "SettingProblem",
    "Settings",
    "config_file",
    "config_file_too_open",
    "data_dir",
    "load_settings",
    "load_settings_leniently",
    "save_api_key",
    "save_setting",
]
