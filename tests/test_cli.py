"""The command line, end to end against the loopback server.

Most tests call ``main()`` in-process (fast) with real sockets to the server; a few run the
installed console script as a subprocess to check the entry point itself.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groq_tui.__main__ import main
from tests.cli_support import KEY, cli
from tests.loopback import LoopbackServer, Reply


def test_chat_streams_only_the_text(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "chat", "-m", "llama-3.1-8b-instant", "hello world")
    assert (code, out, err) == (0, "Echo: hello world\n", "")
    assert cli_env.requests[-1].json["stream"] is True


def test_chat_reads_stdin(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\n"))
    code, out, _ = cli(capsys, "chat", "-")
    assert code == 0
    assert out.startswith("Echo: from stdin")
    assert cli_env.requests[-1].json["messages"][-1]["content"] == "from stdin\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped"))
    assert cli(capsys, "chat")[1] == "Echo: piped\n"


def test_every_chat_flag_is_sent(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    tools_file = tmp_path / "tools.json"
    tools_file.write_text(json.dumps(tools))
    code, _, err = cli(
        capsys, "chat", "--system", "be brief", "--temperature", "0.3", "--top-p", "0.8",
        "--max-tokens", "64", "--seed", "9", "--stop", "END", "--stop", "STOP",
        "--frequency-penalty", "0.1", "--presence-penalty", "-0.1", "--json-mode",
        "--tools", str(tools_file), "--tool-choice", "auto", "--no-parallel-tool-calls",
        "--user", "u1", "--logprobs", "--top-logprobs", "2", "--logit-bias", '{"42": 3}',
        "--include-usage", "-m", "llama-3.1-8b-instant", "hi",
    )  # fmt: skip
    assert code == 0, err
    sent = cli_env.requests[-1].json
    assert sent["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert {k: sent[k] for k in sent if k not in ("messages",)} == {
        "model": "llama-3.1-8b-instant",
        "temperature": 0.3,
        "top_p": 0.8,
        "max_tokens": 64,
        "seed": 9,
        "stop": ["END", "STOP"],
        "frequency_penalty": 0.1,
        "presence_penalty": -0.1,
        "response_format": {"type": "json_object"},
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "user": "u1",
        "logprobs": True,
        "top_logprobs": 2,
        "logit_bias": {"42": 3},
        "stream": True,
        "stream_options": {"include_usage": True},
    }


@pytest.mark.parametrize("stream_flag", [[], ["--no-stream"]])
def test_tool_calls_print_one_json_object_per_line(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    stream_flag: list[str],
) -> None:
    tools = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
        for n in ("get_weather", "get_time")
    ]
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(tools))
    code, out, _ = cli(
        capsys, "chat", "--tools", str(path), "--tool-choice", "get_time", *stream_flag, "hi"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines() if line]
    assert [line["name"] for line in lines] == ["get_time"]
    assert isinstance(lines[0]["arguments"], dict)


def test_json_prints_the_whole_response(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "chat", "--json", "hi")
    assert code == 0
    document = json.loads(out)
    assert document["object"] == "chat.completion"
    assert document["choices"][0]["message"]["content"] == "Echo: hi"
    assert document["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("stream_flag", [[], ["--no-stream"]])
def test_verbose_reports_timing_on_stderr(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], stream_flag: list[str]
) -> None:
    code, out, err = cli(capsys, "chat", "-v", *stream_flag, "hi there")
    assert code == 0
    assert out == "Echo: hi there\n"
    assert "tokens" in err and "server" in err and "remaining" in err
    if not stream_flag:
        assert "TTFT" in err and "tok/s" in err
    assert KEY not in err + out


def test_invalid_key(cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "chat", "--api-key", "gsk_wrong_key", "hi")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "Invalid API Key" in err and "GROQ_API_KEY" in err
    assert "gsk_wrong_key" not in err
    assert "Traceback" not in err


def test_unknown_model_lists_the_available_ones(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "chat", "-m", "llama-9", "hi")
    assert code == 1
    assert "llama-9" in err
    assert "available models:" in err and "llama-3.1-8b-instant" in err
    assert err.count("\n") == 1


def test_rate_limit_shows_the_wait(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.enqueue(Reply.rate_limited(retry_after=7))
    code, _, err = cli(capsys, "chat", "hi")
    assert code == 1
    assert "rate limited" in err and "wait 7s" in err


def test_network_down(cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "models", "--base-url", cli_env.unused_port_url)
    assert code == 1
    assert "could not connect" in err and "check the network" in err


def test_partial_text_stays_printed(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.reply_text = "alpha beta gamma delta epsilon zeta eta theta"
    cli_env.enqueue(Reply.fault("reset_mid_stream", after_chunks=3))
    code, out, err = cli(capsys, "chat", "hi")
    assert code == 1
    assert out.endswith("\n") and len(out.strip()) > 0
    assert "reply interrupted" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--temperature", "3"], "invalid --temperature: must be between 0 and 2, got 3"),
        (["--top-p", "-1"], "invalid --top-p"),
        (
            ["--stop", "a", "--stop", "b", "--stop", "c", "--stop", "d", "--stop", "e"],
            "invalid --stop: at most 4",
        ),
        (["--top-logprobs", "3"], "invalid --top-logprobs: requires logprobs"),
        (["--tools", "/nonexistent/tools.json"], "invalid --tools: cannot read"),
        (["--logit-bias", "{nope"], "invalid --logit-bias"),
    ],
)
def test_bad_flags_send_nothing(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = cli(capsys, "chat", *args, "hi")
    assert code == 2
    assert out == ""
    assert words in err
    assert cli_env.requests == []


def test_empty_prompt(cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "chat", "   ")
    assert code == 2
    assert "empty" in err


def test_models(cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "models")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("llama-3.1-8b-instant "))
    parts = line.split()
    assert parts[1] == "Meta"
    assert int(parts[2].replace(",", "")) > 1000
    # What each model does, so that one knows which to give chat, speak or transcribe.
    kinds = {line.split()[0]: line for line in out.splitlines()}
    assert kinds["llama-3.1-8b-instant"].endswith("  chat")
    assert kinds["whisper-large-v3"].endswith("  speech to text")
    assert kinds["canopylabs/orpheus-v1-english"].endswith("  text to speech")
    assert kinds["meta-llama/llama-guard-4-12b"].endswith("  moderation")
    code, out, _ = cli(capsys, "models", "--json")
    document = json.loads(out)
    assert document["object"] == "list"
    assert {m["id"] for m in document["data"]} >= {"llama-3.1-8b-instant"}


# -- audio ------------------------------------------------------------------------------


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "talk.wav"
    sf.write(path, np.zeros(16000 * 3, dtype=np.float32) + 0.01, 16000)
    return path


def test_transcribe_text(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], wav: Path
) -> None:
    code, out, _ = cli(capsys, "transcribe", str(wav), "--language", "en", "--prompt", "names")
    assert code == 0
    assert out == cli_env.transcript_text + "\n"
    sent = cli_env.requests[-1]
    assert sent.form["language"] == ["en"] and sent.form["prompt"] == ["names"]
    assert sent.form["response_format"] == ["text"]


# The loopback hears its transcript_text in two segments over the 3 s file: the first
# four words from 0 to 1.35 s (90 % of its half), the rest from 1.5 to 3 s.
SRT = """\
1
00:00:00,000 --> 00:00:01,350
The quick brown fox

2
00:00:01,500 --> 00:00:03,000
jumps over the lazy dog.
"""
VTT = """\
WEBVTT

00:00:00.000 --> 00:00:01.350
The quick brown fox

00:00:01.500 --> 00:00:03.000
jumps over the lazy dog.
"""


@pytest.mark.parametrize("command", ["transcribe", "translate"])
def test_subtitles(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], wav: Path, command: str
) -> None:
    assert cli_env.transcript_text == "The quick brown fox jumps over the lazy dog."
    assert cli(capsys, command, str(wav), "--format", "srt") == (0, SRT, "")
    assert cli_env.requests[-1].form["response_format"] == ["verbose_json"]
    assert cli(capsys, command, str(wav), "--format", "vtt") == (0, VTT, "")
    assert cli_env.requests[-1].form["response_format"] == ["verbose_json"]


def test_verbose_json_with_timestamps(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], wav: Path
) -> None:
    code, out, _ = cli(
        capsys, "transcribe", str(wav), "--format", "verbose_json", "--timestamps", "word,segment"
    )
    assert code == 0
    document = json.loads(out)
    assert document["segments"] and document["words"]
    assert cli_env.requests[-1].form["timestamp_granularities[]"] == ["word", "segment"]


def test_audio_errors_name_the_file(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, wav: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code, _, err = cli(capsys, "transcribe", str(notes))
    assert code == 2
    assert "notes.txt" in err and "flac, mp3" in err
    cli_env.max_upload_bytes = 100
    code, _, err = cli(capsys, "transcribe", str(wav))
    assert code == 1
    assert "talk.wav" in err and "too large" in err
    code, _, err = cli(capsys, "transcribe", str(wav), "--timestamps", "chars")
    assert code == 2


def test_broken_config_file(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("model = [\n")
    monkeypatch.setenv("GROQ_TUI_CONFIG", str(config))
    code, _, err = cli(capsys, "models")
    assert code == 2
    assert str(config) in err and "fix or remove it" in err


def test_console_script_runs(cli_env: LoopbackServer) -> None:
    """The installed entry point, as a user runs it, in a process of its own."""
    script = Path(sys.executable).parent / "groq-tui"
    result = subprocess.run(
        [str(script), "chat", "-v", "from a subprocess"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GROQ_API_KEY": KEY, "GROQ_BASE_URL": cli_env.base_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: from a subprocess\n"
    assert KEY not in result.stdout + result.stderr


def test_a_file_over_the_upload_limit_is_split_at_pauses_and_joined(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1.5 s of noise "speech", 0.4 s pauses, four times: 7.2 s, about 230 kB as FLAC.
    rng = np.random.default_rng(3)
    parts = []
    for i in range(7):
        n = round((1.5 if i % 2 == 0 else 0.4) * 16000)
        parts.append(rng.standard_normal(n) * 0.1 if i % 2 == 0 else np.zeros(n))
    path = tmp_path / "lecture.wav"
    sf.write(path, np.concatenate(parts).astype(np.float32), 16000)
    monkeypatch.setenv("GROQ_TUI_MAX_UPLOAD_MB", "0.07")  # pieces of at most ~2 s
    code, out, err = cli(capsys, "transcribe", str(path), "--format", "srt")
    assert code == 0, err
    uploads = [r for r in cli_env.requests if r.path.endswith("/audio/transcriptions")]
    assert len(uploads) == 4
    for upload in uploads:
        assert len(upload.files["file"].data) <= 0.07 * 1024 * 1024
        info = sf.info(io.BytesIO(upload.files["file"].data))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
    cues = [line for line in out.splitlines() if " --> " in line]
    assert len(cues) == 2 * len(uploads)  # the loopback answers two segments a piece
    assert cues == sorted(cues)  # joined in order on the file's timeline
    assert cues[-1].endswith("00:00:07,200")


def test_devices_takes_no_connection_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # Listing the microphones talks to no server: the flags would be accepted and ignored.
    with pytest.raises(SystemExit) as exit_info:
        main(["devices", "--base-url", "http://127.0.0.1:9"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --base-url" in capsys.readouterr().err
