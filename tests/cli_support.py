"""Running the command line in-process against the loopback server.

The ``cli_env`` fixture (conftest.py) points the command line at the loopback server with
:data:`KEY`; :func:`cli` runs it and returns what it printed.
"""

from __future__ import annotations

import pytest

from groq_tui.__main__ import main

KEY = "test-key"
"""The API key the command line is given (tests check it is never printed)."""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``groq-tui ARGS`` in this process; its exit code, stdout and stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
