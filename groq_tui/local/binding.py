"""Where the engine may listen: loopback freely, anywhere else only behind an API key."""

from __future__ import annotations

import ipaddress

from groq_tui.local.errors import UnsafeBindError

DEFAULT_HOST = "127.0.0.1"
"""The address the engine listens on unless told otherwise."""

DEFAULT_PORT = 8765
"""A suggested port for ``groq-tui serve`` (0 picks a free one)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``.

    A host name other than ``localhost`` counts as non-loopback: what it resolves to can
    change, so it is not trusted to stay local.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse a non-loopback address unless an API key will guard it.

    Raises:
        UnsafeBindError: ``host`` is reachable from other machines and no key is set.
    """
    if not is_loopback(host) and not api_key:
        shown = host or "every interface"
        raise UnsafeBindError(
            f"refusing to listen on {shown}: it is reachable from other machines. "
            "Give an API key (--api-key) that every request must carry, "
            f"or listen on loopback ({DEFAULT_HOST})."
        )


def url_host(host: str) -> str:
    """``host`` as it goes into a URL (IPv6 addresses in brackets)."""
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host
