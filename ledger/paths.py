"""Where things live: bundled resources and migrations, and the per-user data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "zhenggai-taizhang"
APP_AUTHOR = "zgtz"


def bundle_root() -> Path:
    """The project root from source, or the unpacked bundle when frozen by PyInstaller."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return bundle_root().joinpath("resources", *parts)


def migrations_path() -> Path:
    return bundle_root() / "migrations"


def data_dir() -> Path:
    """Per-user data folder (Windows: %LOCALAPPDATA%\\zgtz\\zhenggai-taizhang). ZGTZ_DATA_DIR overrides."""
    override = os.environ.get("ZGTZ_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_ledger_path() -> Path:
    return data_dir() / "台账.db"


def key_dir() -> Path:
    """Where audit-chain keys live: outside the database, in the user's data folder."""
    override = os.environ.get("ZGTZ_KEY_DIR")
    path = Path(override) if override else data_dir() / "keys"
    path.mkdir(parents=True, exist_ok=True)
    return path
