"""The built wheel, installed non-editable in a fresh venv, runs from any folder with its config elsewhere:
the built-in playbooks, profiles, drafts and example config are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this interpreter's site-packages via a
    .pth path line (offline, fast; the checkout's editable install is not among them: .pth files there are
    not processed)."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q",
                    "-w", str(root / "dist")], check=True, capture_output=True, cwd=root)
    [wheel] = (root / "dist").glob("sns_incident_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "playbooks/leak.yaml" in names and "playbooks/profiles/iwaki.yaml" in names
    assert "playbooks/drafts/apology.ja.j2" in names and "bot/templates/app.example.yaml" in names
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_deps.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True)
    return venv


def _bot(venv: Path, cwd: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH", "INCIDENT_BOT_CONFIG")}
    return subprocess.run([str(venv / "bin" / "incident-bot"), *argv], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_installed_wheel_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere, conf = tmp_path / "work", tmp_path / "etc" / "incident-bot"
    elsewhere.mkdir()
    conf.mkdir(parents=True)
    config = conf / "app.yaml"
    located = subprocess.run([str(installed / "bin" / "python"), "-c",
                              "import bot, playbooks; print(bot.__file__); print(playbooks.__file__)"],
                             capture_output=True, text=True, cwd=elsewhere, check=True).stdout
    assert str(REPO) not in located and str(installed) in located

    result = _bot(installed, elsewhere, "init", "--config", str(config))
    assert result.returncode == 0 and config.is_file(), result.stderr
    assert "# sns-incident-bot の設定ファイル" in config.read_text(encoding="utf-8")

    result = _bot(installed, elsewhere, "check", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "profile asahikawa" in result.stdout and f"database: {conf / 'incident-bot.db'}" in result.stdout
    assert "site-packages/playbooks" in result.stdout

    result = _bot(installed, elsewhere, "--config", str(config), "chat",
                  stdin="市の公式アカウントのなりすましを発見しました https://x.com/fake\n/done spread=中 press=なし\n")
    assert result.returncode == 0, result.stderr
    assert "INC-0001 を受け付けました（種別: なりすまし" in result.stdout
    # Step 1 (recording) is general practice; the installed profile's guideline is named all the same.
    assert "根拠: 一般的な対応（旭川市のガイドラインの定めではありません）" in result.stdout
    assert f"データベース: {conf / 'incident-bot.db'}" in result.stderr and "Traceback" not in result.stderr

    result = _bot(installed, elsewhere, "timeline", "verify", "--config", str(config))
    assert result.returncode == 0 and "改ざんされていません（3 件" in result.stdout, result.stdout + result.stderr
    assert (conf / "incident-bot.db").is_file() and not list(elsewhere.iterdir())
