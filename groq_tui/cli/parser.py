"""The command line: ``groq-tui [SUBCOMMAND] ...`` (argparse, no imports beyond the stdlib)."""

from __future__ import annotations

import argparse

from groq_tui import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, with one-line errors that say what to do."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _switch(group: argparse._ActionsContainer, flag: str, help: str) -> None:
    """``--flag`` / ``--no-flag``, sent as true or false only when given (None otherwise)."""
    group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help)


def _connection_flags(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    # A subcommand's flags default to "not given" (SUPPRESS), so that the same flag given
    # before the subcommand (groq-tui --timeout 5 models) is not replaced by None.
    unset = None if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("connection (override the config file and environment)")
    group.add_argument(
        "--base-url", default=unset, help="OpenAI-compatible root URL (GROQ_BASE_URL)"
    )
    group.add_argument(
        "--api-key",
        default=unset,
        help="API key (GROQ_API_KEY); prefer the environment: flags show in ps",
    )
    group.add_argument(
        "--max-retries", type=int, default=unset, metavar="N", help="retries on 408/409/429/5xx"
    )
    group.add_argument(
        "--timeout", type=float, default=unset, metavar="SECONDS", help="request timeout"
    )
    group.add_argument(
        "--local",
        action="store_true",
        default=unset,
        help="use the offline engine (started as a child process) instead of a server",
    )


def _output_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw",
        action="store_true",
        help="on a terminal, write the model's text with its control characters as received "
        "(by default they are shown as visible stand-ins such as ␛; pipes always get "
        "the text as received)",
    )


def _chat_flags(parser: argparse.ArgumentParser, *, compare: bool = False) -> None:
    if compare:
        parser.add_argument(
            "-m", "--model", action="append", help="a model to compare (repeat: 2 to 4)"
        )
    else:
        parser.add_argument("-m", "--model", help="model id (default: from settings)")
    parser.add_argument("--system", metavar="TEXT", help="system prompt")
    params = parser.add_argument_group("chat parameters (sent only when given)")
    params.add_argument("--temperature", type=float, help="0-2")
    params.add_argument("--top-p", type=float, help="0-1")
    params.add_argument("--max-tokens", type=int, help="at most this many completion tokens")
    params.add_argument("--seed", type=int)
    params.add_argument(
        "--stop", action="append", metavar="TEXT", help="stop sequence (repeatable, up to 4)"
    )
    params.add_argument("--frequency-penalty", type=float, help="-2 to 2")
    params.add_argument("--presence-penalty", type=float, help="-2 to 2")
    params.add_argument(
        "--json-mode", action="store_true", help='response_format {"type": "json_object"}'
    )
    _reasoning_flags(parser)
    if compare:
        return
    parser.add_argument(
        "--show-reasoning",
        action="store_true",
        help="print the model's reasoning on stderr (dimmed on a terminal); stdout keeps the "
        "answer alone",
    )
    search = parser.add_argument_group("built-in web search (compound models: search_settings)")
    search.add_argument(
        "--search-include",
        action="append",
        metavar="DOMAIN",
        help="search only this domain (repeatable): include_domains",
    )
    search.add_argument(
        "--search-exclude",
        action="append",
        metavar="DOMAIN",
        help="never search this domain (repeatable): exclude_domains",
    )
    search.add_argument("--search-country", metavar="C", help="favour results from country C")
    params.add_argument("--tools", metavar="FILE.json", help="tool definitions (a JSON list)")
    params.add_argument(
        "--tool-choice", metavar="none|auto|required|NAME", help="NAME forces that function"
    )
    _switch(params, "--parallel-tool-calls", "allow several tool calls in one reply")
    params.add_argument("--user", metavar="ID", help="end-user id for abuse monitoring")
    params.add_argument("--logprobs", action="store_true", default=None)
    params.add_argument("--top-logprobs", type=int, metavar="N", help="0-20, needs --logprobs")
    params.add_argument(
        "--logit-bias", metavar="JSON", help="token id -> bias, e.g. '{\"50256\": -100}'"
    )


def _speak_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The ``speak`` subcommand's arguments (its connection flags are added by the caller)."""
    speak = sub.add_parser(
        "speak",
        help="say a text aloud, or write the speech to a file",
        description="Speak TEXT (or stdin) with a text-to-speech model: played on the default "
        "output device until it ends (Ctrl+C stops it), or written to -o FILE. Long text is "
        "cut at sentence ends into requests within the model's input limit, each fetched "
        "while the one before plays.",
    )
    speak.add_argument("text", nargs="?", help="what to say; '-' or nothing reads stdin")
    speak.add_argument(
        "-m",
        "--model",
        help="speech model (default canopylabs/orpheus-v1-english; offline: the Piper voice)",
    )
    speak.add_argument("--voice", help="voice (default autumn; offline: joe)")
    speak.add_argument(
        "--format",
        choices=("wav", "flac", "mp3", "ogg"),
        help="audio format (default: from -o's extension, else wav)",
    )
    speak.add_argument("--speed", type=float, help="speaking speed, 0.5-5 (default 1)")
    speak.add_argument("--sample-rate", type=int, metavar="HZ", help="output sample rate")
    speak.add_argument("-o", "--output", metavar="FILE", help="write the audio here, not play it")
    speak.add_argument("--device", metavar="NAME", help="output device (default: the system's)")
    _connection_flags(speak)


def _reasoning_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reasoning models and service tiers (sent only when given)")
    group.add_argument(
        "--reasoning-effort",
        metavar="E",
        help="none|default (qwen3) or low|medium|high (gpt-oss)",
    )
    group.add_argument(
        "--reasoning-format",
        metavar="hidden|raw|parsed",
        help="raw: the reasoning stays in the content as <think>...</think>, printed as sent",
    )
    _switch(group, "--include-reasoning", "return the reasoning (not with --reasoning-format)")
    group.add_argument("--service-tier", metavar="T", help="auto|on_demand|flex|performance")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(
        prog="groq-tui",
        description="A terminal chat and audio workstation for the Groq API. "
        "With no COMMAND it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"groq-tui {__version__}")
    app = parser.add_argument_group("the app (no COMMAND)")
    app.add_argument("-m", "--model", help="start with this chat model")
    app.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="reopen the last conversation",
    )
    _connection_flags(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    chat = sub.add_parser(
        "chat",
        help="send one prompt and print the reply as it streams",
        description="Send PROMPT (or stdin) and print the assistant's text to stdout as it "
        "streams. Tool calls are printed as one JSON object per line.",
    )
    chat.add_argument("prompt", nargs="?", help="the prompt; '-' or nothing reads stdin")
    _chat_flags(chat)
    chat.add_argument("--no-stream", action="store_true", help="wait for the whole reply")
    chat.add_argument(
        "--include-usage",
        action="store_true",
        help="ask for the usage chunk (stream_options.include_usage)",
    )
    chat.add_argument("--json", action="store_true", help="print the whole response object")
    chat.add_argument(
        "-v", "--verbose", action="store_true", help="timing, usage and rate limits on stderr"
    )
    _output_flags(chat)
    _connection_flags(chat)

    compare = sub.add_parser(
        "compare",
        help="send one prompt to several models at once",
        description="Stream PROMPT (or stdin) to every -m MODEL concurrently; print each "
        "reply under a header, then a table of time to first token, tokens/s, tokens and "
        "total time. Exit 0 when at least one model answered; failures go to stderr.",
    )
    compare.add_argument("prompt", nargs="?", help="the prompt; '-' or nothing reads stdin")
    _chat_flags(compare, compare=True)
    compare.add_argument("--json", action="store_true", help="replies and stats as JSON")
    _output_flags(compare)
    _connection_flags(compare)

    models = sub.add_parser("models", help="list the server's models")
    models.add_argument("--json", action="store_true", help="print the raw list as JSON")
    _output_flags(models)
    _connection_flags(models)

    for name, verb in (("transcribe", "Transcribe"), ("translate", "Translate into English")):
        audio = sub.add_parser(
            name,
            help=f"{verb.lower()} an audio file",
            description=f"{verb} FILE (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm).",
        )
        audio.add_argument("file", help="the audio file")
        audio.add_argument("--model", help="audio model (default: from settings)")
        if name == "transcribe":
            audio.add_argument("--language", metavar="xx", help="ISO-639-1 code of the speech")
        audio.add_argument("--prompt", metavar="TEXT", help="context or spellings to guide it")
        audio.add_argument("--temperature", type=float, help="0-1")
        audio.add_argument(
            "--format",
            default="text",
            choices=("json", "text", "verbose_json", "srt", "vtt"),
            help="output format (srt/vtt are built from verbose_json segments)",
        )
        if name == "transcribe":
            audio.add_argument(
                "--timestamps", metavar="word,segment", help="timestamp granularities"
            )
        _output_flags(audio)
        _connection_flags(audio)
    dictate = sub.add_parser(
        "dictate",
        help="speech to text from the microphone, a line per segment",
        description="Record from the microphone and print each spoken segment's text as "
        "soon as it is transcribed, until Ctrl+C, --stop-after-silence or --max-seconds.",
    )
    dictate.add_argument(
        "--translate", action="store_true", help="translate into English (/audio/translations)"
    )
    dictate.add_argument("--language", metavar="xx", help="ISO-639-1 code of the speech")
    dictate.add_argument("--prompt", metavar="TEXT", help="context or spellings to guide it")
    dictate.add_argument("--max-seconds", type=float, metavar="N", help="stop after N seconds")
    dictate.add_argument(
        "--stop-after-silence", type=float, metavar="S", help="stop after S seconds of silence"
    )
    dictate.add_argument("--device", metavar="NAME", help="input device (see groq-tui devices)")
    dictate.add_argument("--model", help="audio model (default: from settings)")
    dictate.add_argument("--temperature", type=float, help="0-1")
    dictate.add_argument(
        "--keep", action="store_true", help="keep the recording and transcript in the data dir"
    )
    _output_flags(dictate)
    _connection_flags(dictate)
    _speak_parser(sub)
    sub.add_parser("devices", help="list the audio input devices")
    serve = sub.add_parser(
        "serve",
        help="run the offline engine as an OpenAI-compatible server",
        description="Serve the Groq API (models, chat, audio) from the bundled local models. "
        "Binds 127.0.0.1 unless --host is given; any other address needs --api-key.",
    )
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any)")
    key = serve.add_mutually_exclusive_group()
    key.add_argument("--api-key", help="require this key (needed off loopback)")
    key.add_argument(
        "--api-key-stdin",
        action="store_true",
        help="read the key from the first line of standard input (keeps it out of ps)",
    )
    serve.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="stop when standard input ends (for a parent process holding the pipe)",
    )
    serve.add_argument(
        "--gguf",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="serve another GGUF chat model too (repeatable)",
    )
    serve.add_argument("--whisper", metavar="DIR", help="a CTranslate2 Whisper model directory")
    serve.add_argument(
        "--no-config-models",
        action="store_true",
        help="serve only the bundled models and those given here, not the config file's "
        "local_gguf and local_whisper",
    )
    return parser
