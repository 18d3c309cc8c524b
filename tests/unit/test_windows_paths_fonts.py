"""Windows-only code paths, run here with the Windows parts replaced (issue 19 items 3 and 5):
network drives and UNC forms refused for a SQLite ledger, the fonts folder as Windows names its
files, and the per-user data folder as platformdirs gives it on Windows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.db import DRIVE_REMOTE, refuse_network_path
from ledger.errors import StorageError
from ledger.paths import APP_AUTHOR, APP_NAME
from reports.fonts import FontSet

DRIVE_FIXED = 3


def drive_types(root: str) -> int:
    """GetDriveTypeW as an office PC answers: C: local, Z: mapped to \\\\server\\share."""
    return {"C:\\": DRIVE_FIXED, "Z:\\": DRIVE_REMOTE}.get(root.upper(), 1)


@pytest.mark.parametrize(
    "path",
    [
        r"Z:\台账\台账.db",
        r"z:\台账.db",
        r"\\?\Z:\台账.db",
        r"\\server\share\台账.db",
        "//server/share/台账.db",
        r"\\?\UNC\server\share\台账.db",
    ],
)
def test_network_places_are_refused(path):
    with pytest.raises(StorageError, match="服务器模式"):
        refuse_network_path(path, windows=True, get_drive_type=drive_types)


@pytest.mark.parametrize("path", [r"C:\Users\县住建局\台账.db", r"\\?\C:\很长的路径\台账.db", r"D:\台账.db"])
def test_local_drives_are_accepted(path):
    refuse_network_path(path, windows=True, get_drive_type=drive_types)


def test_the_unc_forms_are_refused_on_any_system():
    for path in (r"\\server\share\台账.db", "//server/share/台账.db"):
        with pytest.raises(StorageError):
            refuse_network_path(path, windows=False)


HANAZONO = Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"


def fake_windows(tmp_path: Path, names: list[str]) -> dict[str, str]:
    """C:\\Windows\\Fonts with real TrueType files under the names Windows gives them."""
    if not HANAZONO.exists():
        pytest.skip("fonts-hanazono is installed by .ci/setup")
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    for name in names:
        shutil.copyfile(SHIPPED if name.lower().endswith(".ttc") else HANAZONO, fonts / name)
    return {"WINDIR": str(tmp_path / "Windows")}  # no LOCALAPPDATA: nothing installed per user


def test_the_official_faces_take_their_roles(tmp_path):
    env = fake_windows(tmp_path, ["simsun.ttc", "simfang.ttf", "simhei.ttf", "SIMSUNB.TTF", "方正小标宋简体.ttf"])
    fonts = FontSet.discover(windows=True, environ=env)
    labels = {role: face.label for role, face in fonts.roles.items()}
    assert labels == {"song": "SimSun", "fang": "FangSong", "hei": "SimHei", "title": "FZXiaoBiaoSong-B05S"}
    assert "SimSun-ExtB" in [f.label for f in fonts.fallbacks]  # rare name characters


def test_without_fangzheng_the_title_is_in_simhei_and_without_fangsong_in_simsun(tmp_path):
    env = fake_windows(tmp_path, ["SimSun.ttc", "SimHei.ttf"])
    labels = {role: face.label for role, face in FontSet.discover(windows=True, environ=env).roles.items()}
    assert labels == {"song": "SimSun", "fang": "SimSun", "hei": "SimHei", "title": "SimHei"}


def test_an_empty_fonts_folder_falls_back_to_the_shipped_face(tmp_path):
    env = fake_windows(tmp_path, [])
    fonts = FontSet.discover(windows=True, environ=env)
    assert {face.label for face in fonts.roles.values()} == {"WenQuanYi Micro Hei"}


def test_the_data_folder_as_windows_gives_it(monkeypatch):
    """%LOCALAPPDATA%\\zgtz\\zhenggai-taizhang, from the environment as platformdirs reads it when
    the shell API is not there."""
    import platformdirs.windows as windows

    monkeypatch.setattr(windows, "get_win_folder", windows.get_win_folder_from_env_vars)
    monkeypatch.setenv("LOCALAPPDATA", r"C:\Users\县住建局\AppData\Local")
    folder = windows.Windows(appname=APP_NAME, appauthor=APP_AUTHOR).user_data_dir
    assert folder.replace("/", "\\") == r"C:\Users\县住建局\AppData\Local\zgtz\zhenggai-taizhang"
