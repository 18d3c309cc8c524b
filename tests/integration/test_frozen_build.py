"""The real program as county staff get it (issue 7): pyinstaller.spec builds the one-folder bundle,
the bundle's own smoke test passes (ledger created and migrated in the given data folder, a PDF and a
workbook written and read back, audit chain verified), the window starts, and the size is reported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _pyinstaller() -> Path | None:
    found = Path(sys.executable).with_name("pyinstaller")
    return found if found.exists() else (Path(p) if (p := shutil.which("pyinstaller")) else None)


@pytest.mark.slow
def test_the_frozen_bundle_builds_and_passes_its_smoke_test(tmp_path, capsys):
    tool = _pyinstaller()
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("PyInstaller is not installed: run .ci/setup (the build extra)")
        pytest.skip("PyInstaller not installed")
    build = subprocess.run(
        [str(tool), "--noconfirm", "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "build"),
         str(ROOT / "pyinstaller.spec")],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    bundle = tmp_path / "dist" / "整改台账"
    program = bundle / ("整改台账.exe" if sys.platform == "win32" else "整改台账")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZGTZ_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    data = tmp_path / "用户数据"
    smoke = subprocess.run(
        [str(program), "--smoke-test", "--data-dir", str(data)], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "自检通过" in smoke.stdout and (data / "台账.db").exists()
    assert not list(bundle.rglob("*.db")), "user data must never be written beside the executable"
    # the console companion, from the same analysis: its output is what a .bat file or a person reads
    console = bundle / ("整改台账-命令行.exe" if sys.platform == "win32" else "整改台账-命令行")
    # (the bootloader ignores PYTHONIOENCODING, so the GBK case is tested from source in
    # tests/integration/test_console_encoding.py; here the program's own output is read back)

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(console), "--data-dir", str(data), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    checked = command("--smoke-test")
    assert checked.returncode == 0 and "审计链校验" in checked.stdout and "自检通过" in checked.stdout, (
        checked.stdout + checked.stderr
    )
    made = command("demo", "--db", str(data / "示例.db"), "--cases", "200")
    assert made.returncode == 0 and "已生成示例台账" in made.stdout, made.stderr
    weekly = command("report", "weekly", "--db", str(data / "示例.db"), "-o", str(data / "周报.pdf"))
    assert weekly.returncode == 0 and "已生成整改进度周报" in weekly.stdout, weekly.stderr
    assert (data / "周报.pdf").read_bytes().startswith(b"%PDF")
    started = subprocess.Popen(
        [str(program), "--data-dir", str(data), "--db", str(data / "台账.db")], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            started.wait(timeout=8)  # still running: the sign-in window is up
    finally:
        started.kill()
        started.wait()
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    with capsys.disabled():
        print(f"\nfrozen bundle: {size:,.0f} MB unpacked ({bundle.name}/), smoke test passed")
    assert size < 250, f"the bundle is {size:.0f} MB (aim: under 250 MB)"
