"""A loopback Groq API server for tests and benchmarks - real sockets, no mocked transports.

    with LoopbackServer() as srv:            # 127.0.0.1, a free port, key "test-key"
        client = GroqClient(api_key="test-key", base_url=srv.base_url)
        ...
        srv.requests[-1].json                # what the client sent
        srv.enqueue(Reply.fault("reset_mid_stream", after_chunks=4))

Without scripted replies it behaves like the live service (auth, validation, the model list
from the recorded corpus, echo replies, streaming, audio); ``Reply`` scripts anything else,
faults included. ``python -m tests.loopback --port 0`` serves it standalone for benchmarks.

Reasoning by model id, as live (``tests.loopback.reasoning``): ``openai/gpt-oss-*`` streams
``delta.reasoning`` (channel "analysis") before the answer, ``qwen/qwen3-32b`` thinks in
``<think>`` tags inside the content unless ``reasoning_format`` says otherwise,
``groq/compound*`` adds a web search in ``executed_tools``; ``loopback-reasoning-<N>`` thinks
for N deltas. ``srv.reasoning_text`` sets what they think; ``srv.flex_capacity = False``
makes ``service_tier: flex`` fail with 498. Refusals beyond the schema: ``tests.loopback.rules``.
"""

from tests.loopback.corpus import CORPUS_DIR
from tests.loopback.markdown import markdown_reply
from tests.loopback.records import RecordedRequest, UploadedFile
from tests.loopback.replies import Reply
from tests.loopback.server import LoopbackServer, closed_port_url

__all__ = [
    "CORPUS_DIR",
    "LoopbackServer",
    "RecordedRequest",
    "Reply",
    "UploadedFile",
    "closed_port_url",
    "markdown_reply",
]
