"""``groq-tui chat`` with reasoning models, service tiers and built-in search, end to end.

Against the loopback server (which reasons like gpt-oss, qwen3 and compound do) and the
recorded live replies of the corpus. The rule under test: stdout carries the answer alone;
the reasoning goes to stderr with ``--show-reasoning`` and nowhere otherwise, unless
``--reasoning-format raw`` was given, which prints the content exactly as sent.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from groq_tui.__main__ import main
from groq_tui.api.thinking import split_think
from tests import cli_support
from tests.loopback import CORPUS_DIR, LoopbackServer, Reply

GPT_OSS = "openai/gpt-oss-20b"
QWEN = "qwen/qwen3-32b"
COMPOUND = "groq/compound"
THOUGHT = 'The user says: "hi"'


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return cli_support.cli(capsys, "chat", *args)


# -- where the reasoning goes ------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not-streamed"])
@pytest.mark.parametrize("model", [GPT_OSS, QWEN])
def test_show_reasoning_puts_it_on_stderr_and_the_answer_alone_on_stdout(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], model: str, stream: bool
) -> None:
    """gpt-oss sends ``delta.reasoning``; qwen3 sends ``<think>`` in the content: the same."""
    flags = [] if stream else ["--no-stream"]
    code, out, err = cli(capsys, "-m", model, "--show-reasoning", *flags, "hi")
    assert (code, out) == (0, "Echo: hi\n")
    assert err.startswith(THOUGHT) and err.endswith("\n")
    assert "<think>" not in err and "\x1b" not in err  # plain when redirected

    code, out, err = cli(capsys, "-m", model, *flags, "hi")
    assert (code, out, err) == (0, "Echo: hi\n", "")


def test_raw_given_explicitly_prints_the_content_exactly_as_sent(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "-m", QWEN, "--reasoning-format", "raw", "hi")
    assert (code, err) == (0, "")
    assert cli_env.requests[-1].json["reasoning_format"] == "raw"
    assert out.startswith("<think>\n" + THOUGHT) and out.endswith("</think>\n\nEcho: hi\n")

    cli_env.enqueue(Reply.recorded("060"))  # qwen3's <think> content, no reasoning_format sent
    code, out, _ = cli(capsys, "-m", QWEN, "--no-stream", "--reasoning-format", "raw", "hi")
    content = json.loads(_body("060"))["choices"][0]["message"]["content"]
    assert code == 0 and out == content + "\n"


def test_hidden_reasoning_leaves_stderr_empty_even_when_shown(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys, "-m", GPT_OSS, "--reasoning-format", "hidden", "--show-reasoning", "hi"
    )
    assert (code, out, err) == (0, "Echo: hi\n", "")


def test_reasoning_is_dimmed_on_a_terminal(
    cli_env: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, answer = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", answer)
    assert main(["chat", "-m", GPT_OSS, "--show-reasoning", "hi"]) == 0
    written = terminal.getvalue()
    assert written.startswith("\x1b[2m" + THOUGHT) and written.endswith("\n\x1b[0m")
    assert answer.getvalue() == "Echo: hi\n"


# -- flags sent exactly as given ---------------------------------------------------------------


def test_every_reasoning_tier_and_search_flag_is_sent_as_given(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(
        capsys, "-m", GPT_OSS, "--reasoning-effort", "low", "--reasoning-format", "parsed",
        "--service-tier", "flex", "hi",
    )  # fmt: skip
    assert code == 0, err
    sent = cli_env.requests[-1].json
    assert (sent["reasoning_effort"], sent["reasoning_format"], sent["service_tier"]) == (
        "low",
        "parsed",
        "flex",
    )
    for flag, value in (("--include-reasoning", True), ("--no-include-reasoning", False)):
        assert cli(capsys, "-m", GPT_OSS, flag, "hi")[0] == 0
        assert cli_env.requests[-1].json["include_reasoning"] is value
    code, _, err = cli(
        capsys, "-m", COMPOUND, "--search-include", "arxiv.org", "--search-include",
        "nature.com", "--search-exclude", "example.com", "--search-country", "germany", "hi",
    )  # fmt: skip
    assert code == 0, err
    assert cli_env.requests[-1].json["search_settings"] == {
        "include_domains": ["arxiv.org", "nature.com"],
        "exclude_domains": ["example.com"],
        "country": "germany",
    }
    assert cli(capsys, "-m", GPT_OSS, "hi")[0] == 0
    sent = cli_env.requests[-1].json
    assert not {"reasoning_effort", "reasoning_format", "include_reasoning", "service_tier",
                "search_settings"} & sent.keys()  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--reasoning-format", "raw", "--json-mode"], ("--reasoning-format", "--json-mode")),
        (["--reasoning-format", "raw", "--tools", "TOOLS"], ("--reasoning-format", "--tools")),
        (["--include-reasoning", "--reasoning-format", "parsed"], ("--include-reasoning",)),
        (["--reasoning-format", "thoughtful"], ("--reasoning-format",)),
        (["--reasoning-effort", "extreme"], ("--reasoning-effort",)),
        (["-m", QWEN, "--reasoning-effort", "high"], ("--reasoning-effort",)),
        (["--service-tier", "cheap"], ("--service-tier",)),
        (["--search-include", "not a domain"], ("--search-include",)),
        (["--tool-choice", "required"], ("--tool-choice", "--tools")),
        (["--tool-choice", "get_weather"], ("--tool-choice", "--tools")),
    ],
)
def test_refused_combinations_exit_2_before_anything_is_sent(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flags: list[str],
    named: tuple[str, ...],
) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {"name": "f"}}]))
    flags = [str(tools) if flag == "TOOLS" else flag for flag in flags]
    code, out, err = cli(capsys, "-m", GPT_OSS, *flags, "hi")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and all(flag in err for flag in named), err
    assert cli_env.requests == []


def test_tool_choice_with_tools_is_still_sent(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {"name": "f"}}]))
    code, _, err = cli(capsys, "--tools", str(tools), "--tool-choice", "required", "hi")
    assert code == 0, err
    assert cli_env.requests[-1].json["tool_choice"] == "required"


# -- the whole response, the figures, flex --------------------------------------------------


def test_no_stream_json_prints_the_whole_response_with_reasoning_and_tools(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "-m", COMPOUND, "--no-stream", "--json", "what is new?")
    assert code == 0
    message = json.loads(out)["choices"][0]["message"]
    assert message["reasoning"] and message["content"]
    [tool] = message["executed_tools"]
    assert tool["type"] and tool["search_results"]["results"][0]["url"].startswith("https://")


def test_compound_sources_are_listed_with_the_reasoning(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys, "-m", COMPOUND, "--show-reasoning", "--search-include", "arxiv.org", "news?"
    )
    assert code == 0 and "arxiv.org" not in out
    assert "<https://arxiv.org/" in err


def test_verbose_reports_reasoning_tokens_cached_tokens_and_the_tier(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.enqueue(Reply.recorded("004"))  # usage with reasoning_tokens 59, cached_tokens 256
    code, _, err = cli(capsys, "-m", "qwen/qwen3-32b", "--no-stream", "-v", "hi")
    assert code == 0
    assert "59 reasoning tokens" in err and "256 cached prompt tokens" in err
    code, _, err = cli(capsys, "-m", GPT_OSS, "--include-usage", "-v", "hi")
    assert code == 0
    assert "reasoning tokens" in err and "thinking " in err and "tier on_demand" in err


def test_not_streamed_reply_shows_no_time_to_first_token_nor_rate(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 14: nothing streamed, so there is no TTFT and no tok/s to tell."""
    code, _, err = cli(capsys, "--no-stream", "-v", "hi")
    assert code == 0
    assert "tokens" in err and "TTFT" not in err and "tok/s" not in err
    code, _, err = cli(capsys, "-v", "hi")
    assert "TTFT" in err


def test_flex_at_capacity_says_to_resend_on_demand_in_one_line(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.flex_capacity = False
    code, out, err = cli(capsys, "-m", GPT_OSS, "--service-tier", "flex", "hi")
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1 and "--service-tier on_demand" in err


# -- the recorded live replies -----------------------------------------------------------------

STREAMED = ("053", "054", "035", "016", "017")
NOT_STREAMED = ("012", "013", "032", "056", "060")


def _body(prefix: str) -> bytes:
    (path,) = CORPUS_DIR.glob(f"{prefix}_*.body")
    return path.read_bytes()


def recorded_reply(prefix: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The reasoning, the answer and the executed tools a recording holds, read directly."""
    body = _body(prefix)
    if prefix in NOT_STREAMED:
        message = json.loads(body)["choices"][0]["message"]
        thought, answer = split_think(message.get("content") or "")
        reasoning = "\n\n".join(p for p in (message.get("reasoning"), thought) if p)
        return reasoning, answer, message.get("executed_tools") or []
    reasoning, content, tools = [], [], []
    for line in body.decode().splitlines():
        if not line.startswith("data: {"):
            continue
        for choice in json.loads(line[6:]).get("choices") or []:
            delta = choice.get("delta") or {}
            reasoning.append(delta.get("reasoning") or "")
            content.append(delta.get("content") or "")
            tools += delta.get("executed_tools") or []
    thought, answer = split_think("".join(content))
    return "".join(reasoning) + thought, answer, tools


@pytest.mark.parametrize("prefix", STREAMED + NOT_STREAMED)
def test_every_recorded_reasoning_reply_goes_through_the_cli(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], prefix: str
) -> None:
    reasoning, answer, tools = recorded_reply(prefix)
    assert reasoning.strip() and answer.strip()
    flags = ["--no-stream"] if prefix in NOT_STREAMED else []
    expected_out = answer if answer.endswith("\n") else answer + "\n"

    cli_env.enqueue(Reply.recorded(prefix))
    code, out, err = cli(capsys, *flags, "--show-reasoning", "hi")
    assert (code, out) == (0, expected_out)
    assert err.startswith(reasoning.rstrip("\n"))
    for tool in tools:
        for hit in (tool.get("search_results") or {}).get("results") or []:
            assert f"<{hit['url']}>" in err

    cli_env.enqueue(Reply.recorded(prefix))
    code, out, err = cli(capsys, *flags, "hi")
    assert (code, out, err) == (0, expected_out, "")
    assert reasoning.strip()[:60] not in out


# -- compare -----------------------------------------------------------------------------------


def test_compare_table_shows_reasoning_tokens_and_thinking_time(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["compare", "-m", GPT_OSS, "-m", "llama-3.1-8b-instant", "hi"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert THOUGHT not in out  # the answers alone, as in chat
    table = out[out.index("model ") :].splitlines()
    assert table[0].split() == ["model", "TTFT", "tok/s", "tokens", "reasoning", "thinking",
                                "total"]  # fmt: skip
    thinker = next(line.split() for line in table if line.startswith(GPT_OSS))
    plain = next(line.split() for line in table if line.startswith("llama-3.1-8b-instant"))
    assert int(thinker[4]) > 0 and thinker[5].endswith("s")
    assert plain[4:6] == ["-", "-"]

    code = main(["compare", "--json", "-m", GPT_OSS, "-m", QWEN, "hi"])
    results = json.loads(capsys.readouterr().out)["results"]
    assert code == 0 and all(r["reasoning"].startswith(THOUGHT) for r in results)
    assert results[0]["stats"]["reasoning_tokens"] > 0
    assert all(r["stats"]["thinking_time"] is not None for r in results)
