"""Which of the server's models the app offers for chat and for a comparison, whether the
server offers a chat model, and how to say that it does not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from groq_tui.api import GroqError, NotFoundError

if TYPE_CHECKING:
    from groq_tui.api import GroqClient, Model

SHOWN_MODELS = 12
"""Offered models named in the message; more are counted."""
SMALL_CONTEXT = 8192
"""A model holding fewer tokens than this is not suggested for a comparison."""


def chat_models(models: Sequence[Model]) -> list[Model]:
    """The models that chat: speech-to-text and text-to-speech ones left out (Groq serves
    them at /audio/transcriptions and /audio/speech)."""
    return [m for m in models if m.kind in ("chat", "moderation")]


def compare_suggestion(current: str, models: Sequence[Model], count: int) -> list[str]:
    """The ``count`` models a new comparison starts with: ``current``, then served chat models
    in the server's order, each from a maker not yet chosen, then others; ``current`` again
    when there are too few. Moderation classifiers and models of a small context are left
    out: a comparison is of replies."""
    candidates = [
        m
        for m in models
        if m.kind == "chat"
        and m.active is not False
        and m.id != current
        and (m.context_window is None or m.context_window >= SMALL_CONTEXT)
    ]
    makers = {m.owned_by for m in models if m.id == current}
    chosen = [current]
    for model in candidates:  # first, one model of each other maker
        if len(chosen) < count and model.owned_by not in makers:
            chosen.append(model.id)
            makers.add(model.owned_by)
    for model in candidates:
        if len(chosen) < count and model.id not in chosen:
            chosen.append(model.id)
    return chosen + [current] * (count - len(chosen))


async def model_offered(client: GroqClient, listed: Sequence[Model], model: str) -> bool | None:
    """Whether the server offers ``model``: listed, or found by id (GET /models/{id}; some
    servers serve models they do not list). None when the server cannot tell."""
    if any(m.id == model for m in listed):
        return True
    try:
        await client.models.retrieve(model)
    except NotFoundError:
        return False
    except GroqError:
        return None
    return True


def not_offered(host: str, chat_models: Sequence[Model], model: str) -> str:
    """That ``host`` does not offer ``model``, and which chat models it does offer."""
    ids = sorted(m.id for m in chat_models if m.active is not False)
    shown = ", ".join(ids[:SHOWN_MODELS])
    if len(ids) > SHOWN_MODELS:
        shown += f" and {len(ids) - SHOWN_MODELS} more"
    return (
        f"{host} does not offer the model {model}; choose one in the model picker. "
        f"It offers: {shown or 'no chat models'}."
    )
