"""The code stays as the style guide asks: layering contracts, ruff and mypy clean.

These run the real tools on the real tree, so a change that breaks the layering (Textual in
the client, say) or the types fails the suite, not only a reviewer's eye.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold() -> None:
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_api_package_imports_without_textual_or_settings() -> None:
    code = (
        "import sys, groq_tui.api\n"
        "bad = [m for m in ('textual', 'groq_tui.config', 'pydantic_settings', 'platformdirs') "
        "if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr


def test_ruff_clean() -> None:
    result = run(str(BIN / "ruff"), "check", "groq_tui", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_clean() -> None:
    result = run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
