"""The CLI on the offline engine: ``--local`` on subcommands, and ``groq-tui serve``.

Real models, real sockets: the engine loads SmolLM2 and Whisper tiny.en from their PyPI
packages (no network), speech comes from espeak-ng.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

SCRIPT = str(Path(sys.executable).parent / "groq-tui")


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "GROQ_BASE_URL")}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_chat_local_streams_generated_text() -> None:
    # Greedy decoding (temperature 0) is repeatable: the streamed text is checked against
    # the same request's whole (non-streamed) answer, and the token limit against its usage.
    ask = ("chat", "--local", "--max-tokens", "24", "--temperature", "0", "Name a colour.")
    whole = run_cli(*ask, "--json")
    assert whole.returncode == 0, whole.stderr
    document = json.loads(whole.stdout)
    (choice,) = document["choices"]
    assert choice["finish_reason"] == "length"  # stopped by --max-tokens
    assert document["usage"]["completion_tokens"] == 24
    answer = choice["message"]["content"]
    assert len(answer.split()) >= 5  # generated text, not an empty or one-token reply
    streamed = run_cli(*ask, "-v")
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout == answer + "\n"  # every delta printed once, in order
    assert " 24 tokens " in streamed.stderr


def test_models_local_lists_both_models() -> None:
    result = run_cli("models", "--local", "--json")
    assert result.returncode == 0, result.stderr
    ids = {m["id"] for m in json.loads(result.stdout)["data"]}
    assert ids == {"smollm2-135m-instruct", "whisper-tiny.en", "piper-en_US-joe-medium"}


def test_transcribe_local(tmp_path: Path) -> None:
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), "Open the window please"], check=True)
    result = run_cli("transcribe", "--local", str(speech), "--format", "verbose_json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "window" in document["text"].lower()
    assert document["segments"]


def test_serve_answers_on_loopback_then_stops_on_ctrl_c() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GROQ_API_KEY"}
    proc = subprocess.Popen(
        [SCRIPT, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("groq-tui engine listening on http://127.0.0.1:")
        base_url = line.rsplit(" ", 1)[1].strip()
        models = httpx.get(f"{base_url}/models", timeout=30).json()
        assert {m["id"] for m in models["data"]} == {
            "smollm2-135m-instruct",
            "whisper-tiny.en",
            "piper-en_US-joe-medium",
        }
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serve_refuses_other_addresses_without_a_key(host: str) -> None:
    result = run_cli("serve", "--host", host, "--port", "0", timeout=60)
    assert result.returncode == 2
    assert "--api-key" in result.stderr


def test_serve_takes_its_key_from_stdin_and_refuses_an_empty_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GROQ_API_KEY"}
    result = subprocess.run(
        [SCRIPT, "serve", "--port", "0", "--api-key-stdin"],
        input="\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert "standard input gave no key" in result.stderr


def test_serve_takes_one_key_only() -> None:
    result = run_cli("serve", "--api-key", "k", "--api-key-stdin", timeout=60)
    assert result.returncode == 2
    assert "not allowed with" in result.stderr


def test_serve_stops_when_stdin_ends_even_while_loading() -> None:
    # The parent of a child engine died before the models were loaded: the engine goes.
    env = {k: v for k, v in os.environ.items() if k != "GROQ_API_KEY"}
    proc = subprocess.Popen(
        [SCRIPT, "serve", "--port", "0", "--api-key-stdin", "--exit-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("a-key\n")
        proc.stdin.close()
        # Still loading (no signal handler yet): SIGTERM's default action ends it.
        assert proc.wait(timeout=60) == -signal.SIGTERM
        assert proc.stdout.read() == ""  # it never said it was listening
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_local_says_why_the_engine_cannot_start(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gguf"
    config = tmp_path / "config.toml"
    config.write_text(f'local_gguf = ["{missing}"]\n')
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "GROQ_BASE_URL")}
    result = subprocess.run(
        [SCRIPT, "models", "--local"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "GROQ_TUI_CONFIG": str(config)},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"groq-tui: the offline engine cannot start: GGUF model '{missing}' does not exist "
        "or is not a file"
    )
