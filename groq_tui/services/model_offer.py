"""Whether the server offers a chat model, and how to say that it does not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from groq_tui.api import GroqError, NotFoundError

if TYPE_CHECKING:
    from groq_tui.api import GroqClient, Model

SHOWN_MODELS = 12
"""Offered models named in the message; more are counted."""


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
