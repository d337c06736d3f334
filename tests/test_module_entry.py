"""`python -m bot` runs the same CLI as `incident-bot` (scripts folder not on PATH, e.g. a locked-down PC)."""

from __future__ import annotations

import subprocess  # nosec B404 - runs this interpreter on the project's own module
import sys


def test_python_dash_m_bot_prints_the_cli_help_in_japanese() -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=120,
                          check=False)  # nosec B603 - fixed arguments
    assert done.returncode == 0, done.stderr
    assert "incident-bot" in done.stdout
    assert "コンソールチャット" in done.stdout


def test_python_dash_m_bot_refuses_an_unknown_command_without_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "no-such-command"], capture_output=True, text=True,
                          timeout=120, check=False)  # nosec B603 - fixed arguments
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
