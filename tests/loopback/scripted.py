"""Putting a scripted ``Reply`` on the wire, faults included.

Mid-stream faults start from the same stream the default chat reply would send (so the
partial text is what a client would really have received), then break it the way real
connections and servers break:

- ``reset_mid_stream``: ``after_chunks`` events, then a TCP RST - no ``[DONE]``;
- ``stall_mid_stream``: ``after_chunks`` events, silence for ``stall_seconds`` (ended early
  if the client hangs up), then the rest of the stream;
- ``malformed_event``: ``after_chunks`` events, ``data: {not json``, then ``[DONE]``;
- ``no_done``: ``after_chunks`` events, then a clean end of body without a finish_reason or
  ``[DONE]``;
- ``error_event`` / ``error_in_data``: ``after_chunks`` events, then the error object of
  recording 020 (``tool_use_failed`` with ``failed_generation`` and ``status_code`` 400) in
  an ``event: error`` event, as live, or in a plain ``data:`` line (the SDK's other reading),
  then a clean end without ``[DONE]``;
- ``close_before_response``: the request is read, the socket closed, nothing sent;
- ``http_500`` / ``http_502`` / ``http_503``: JSON errors in the live error shape. No live
  5xx is recorded: the shape is the one of console.groq.com/docs/errors (``{"error":
  {"message", "type"}}``), the messages are the HTTP reason phrases (assumed);
  ``html_502``: the HTML page a proxy such as Cloudflare serves when the origin is down.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.loopback import chat, corpus, wire
from tests.loopback.exchange import ClientGone, Exchange
from tests.loopback.markdown import markdown_reply
from tests.loopback.replies import Reply

DEFAULT_MODEL = "llama-3.1-8b-instant"

_SERVER_ERRORS = {
    "http_500": (500, "Internal Server Error", "internal_server_error"),
    "http_502": (502, "Bad Gateway", "internal_server_error"),
    "http_503": (503, "Service Unavailable", "service_unavailable"),
}

# Cloudflare's page for an unreachable origin (the live API sits behind Cloudflare).
HTML_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""

IN_STREAM_ERROR_SOURCE = "020_chat_stream_error__test-tool-use-failed-error-streaming-with-text-0"


def _recorded_stream_error() -> str:
    """The data of the ``event: error`` that ends recording 020, byte for byte."""
    body = corpus.load_recording(corpus.resolve(IN_STREAM_ERROR_SOURCE)).body.decode()
    last = [line for line in body.splitlines() if line.startswith("data: ")][-1]
    return last.removeprefix("data: ")


STREAM_ERROR = _recorded_stream_error()


async def send(reply: Reply, ex: Exchange, reply_text: str | None) -> web.StreamResponse:
    """Answer the exchange with ``reply``."""
    try:
        if reply.kind == "body":
            headers = ex.headers(reply.status, extra=reply.headers)
            if not reply.add_rate_limits:
                headers = {"x-request-id": ex.request_id, **reply.headers}
            return ex.body(reply.status, reply.body, reply.content_type, headers)
        if reply.kind == "rate_limited":
            return _rate_limited(reply, ex)
        if reply.kind == "sse":
            return await _sse(reply, ex)
        if reply.kind == "stream_chunks":
            return await _stream_chunks(reply, ex)
        return await _fault(reply, ex, reply_text)
    except ClientGone:
        return web.Response()  # nobody is listening; aiohttp drops it quietly


def _rate_limited(reply: Reply, ex: Exchange) -> web.Response:
    """A 429 worded like corpus 064 (RPM wording when the request names no model)."""
    wait = wire.go_duration(reply.retry_after)
    body = ex.recorded.json if isinstance(ex.recorded.json, dict) else {}
    model = body.get("model") if isinstance(body.get("model"), str) else None
    if model:
        requested = 400 + int(reply.retry_after * wire.TOKENS_PER_SECOND)
        limit = (
            f"tokens per minute (TPM): Limit {wire.LIMIT_TOKENS}, "
            f"Used {wire.LIMIT_TOKENS - 400}, Requested {requested}"
        )
    else:
        model, limit = DEFAULT_MODEL, "requests per minute (RPM): Limit 30, Used 30, Requested 1"
    message = (
        f"Rate limit reached for model `{model}` in organization `org_01loopback0000000000000000` "
        f"service tier `on_demand` on {limit}. Please try again in {wait}. "
        "Visit https://console.groq.com/docs/rate-limits for more information."
    )
    payload = wire.error_object(message, "tokens", "rate_limit_exceeded")
    headers = {
        "x-request-id": ex.request_id,
        **wire.rate_limit_headers(ex.remaining_requests, wire.LIMIT_TOKENS),
        "x-ratelimit-reset-tokens": wait,
        "retry-after": wire.number_text(reply.retry_after),
    }
    if reply.retry_after_ms is not None:
        headers["retry-after-ms"] = wire.number_text(reply.retry_after_ms)
    headers.update(reply.headers)
    return ex.body(429, wire.json_body(payload), wire.JSON_TYPE, headers)


async def _sse(reply: Reply, ex: Exchange) -> web.StreamResponse:
    headers = ex.headers(reply.status, extra=reply.headers)
    if not reply.add_rate_limits:
        headers = {"x-request-id": ex.request_id, **reply.headers}
    response = await ex.open_stream(headers, reply.status, reply.content_type)
    size = reply.chunk_size or max(len(reply.body), 1)
    for start in range(0, len(reply.body), size):
        if start and reply.delay:
            await ex.pause(reply.delay)
        await ex.write(response, reply.body[start : start + size])
    return await ex.finish(response)


async def _stream_chunks(reply: Reply, ex: Exchange) -> web.StreamResponse:
    model = _request_body(ex).get("model") or DEFAULT_MODEL
    result = chat.Answer(
        model=str(model), pieces=markdown_reply(reply.n_chunks), finish_reason="stop",
        prompt_tokens=12,
    )  # fmt: skip
    events = chat.stream_events(result, chat.Ids(request_id=ex.request_id))
    tokens = result.prompt_tokens + result.completion_tokens
    response = await ex.open_stream(ex.headers(200, tokens, reply.headers))
    await ex.write_events(response, events, reply.rate)
    return await ex.finish(response)


def _request_body(ex: Exchange) -> dict[str, Any]:
    return ex.recorded.json if isinstance(ex.recorded.json, dict) else {}


def _fault_events(ex: Exchange, after_chunks: int, reply_text: str | None) -> list[bytes]:
    """The plain-text stream the request would get, long enough that ``after_chunks``
    events still leave content unsent (so the fault really is mid-stream)."""
    body = _request_body(ex)
    messages = body.get("messages")
    model = body.get("model")
    request = {
        "model": model if isinstance(model, str) else DEFAULT_MODEL,
        "messages": [m for m in messages if isinstance(m, dict)]
        if isinstance(messages, list)
        else [],
        "stream_options": body.get("stream_options"),
    }
    result = chat.answer(request, reply_text)
    if len(result.pieces) <= after_chunks:
        padding = markdown_reply(after_chunks + 2)[len(result.pieces) :]
        result.pieces = [*result.pieces, *padding]
    return chat.stream_events(result, chat.Ids(request_id=ex.request_id))


async def _fault(reply: Reply, ex: Exchange, reply_text: str | None) -> web.StreamResponse:
    kind = reply.fault_kind
    if kind in _SERVER_ERRORS:
        status, message, error_type = _SERVER_ERRORS[kind]
        return ex.error(wire.ApiError(status, message, error_type))
    if kind == "html_502":
        headers = {"x-request-id": ex.request_id, "server": "cloudflare"}
        return ex.body(502, HTML_502, "text/html", headers)
    if kind == "close_before_response":
        ex.close_connection()
        return web.Response()  # never sent: aiohttp finds the transport closed
    events = _fault_events(ex, reply.after_chunks, reply_text)
    head, rest = events[: reply.after_chunks], events[reply.after_chunks :]
    response = await ex.open_stream(ex.headers(200))
    await ex.write_events(response, head)
    if kind == "reset_mid_stream":
        await ex.pause(0.05)  # let the delivered events reach the client before the RST
        ex.reset_connection()
        return response
    if kind == "stall_mid_stream":
        await ex.pause(reply.stall_seconds)
        await ex.write_events(response, rest)
    elif kind == "malformed_event":
        await ex.write(response, b"data: {not json\n\n" + wire.SSE_DONE)
    elif kind == "error_event":
        await ex.write(response, wire.sse_event(STREAM_ERROR, event="error"))
    elif kind == "error_in_data":
        await ex.write(response, wire.sse_event(STREAM_ERROR))
    response.force_close()
    return await ex.finish(response)
