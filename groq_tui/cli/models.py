"""``groq-tui models``: what the server offers."""

from __future__ import annotations

import argparse
import sys

from groq_tui.api import Model
from groq_tui.cli.common import client_from, describe_error_async, exit_code_for, fail
from groq_tui.config import Settings


def format_models(models: list[Model]) -> str:
    """One model per line: id, owner, context window (aligned), what it does (chat, speech
    to text, ...), inactive ones marked."""
    if not models:
        return ""
    rows = [
        (
            m.id,
            m.owned_by or "-",
            f"{m.context_window:,}" if m.context_window else "-",
            m.kind if m.active is not False else f"{m.kind}  inactive",
        )
        for m in sorted(models, key=lambda m: m.id)
    ]
    width_id = max(len(r[0]) for r in rows)
    width_owner = max(len(r[1]) for r in rows)
    width_ctx = max(len(r[2]) for r in rows)
    return "".join(
        f"{i:<{width_id}}  {o:<{width_owner}}  {c:>{width_ctx}}  {kind}\n" for i, o, c, kind in rows
    )


async def run_models(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui models``; returns the exit code."""
    async with client_from(settings) as client:
        try:
            listing = await client.models.list()
        except Exception as exc:
            return fail(await describe_error_async(exc, None, settings), exit_code_for(exc))
    if args.json:
        sys.stdout.write(listing.model_dump_json(indent=2, exclude_unset=True) + "\n")
    else:
        sys.stdout.write(format_models(listing.data))
    return 0
