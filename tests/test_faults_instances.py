"""Two instances of the real app on one history: neither takes the other's live reply.

The first app streams a slow reply (6,000 deltas at 200/s, about 30 s, so that even a slow
start of the second app on a busy machine meets it streaming); a second app starts on the
same data dir meanwhile. The database is watched from the test: the first reply stays
STREAMING while it streams (the second app must not "recover" it), then ends COMPLETE, and
what both apps wrote is all there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loopback import LoopbackServer
from tests.terminal import history_rows, reply_rows, send_prompt, start_app

SLOW = "loopback-chunks-6000-rate-200"
FAST = "llama-3.1-8b-instant"


@pytest.mark.timeout(180)
def test_a_second_instance_leaves_the_first_ones_reply_streaming(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    first = start_app(loopback, tmp_path, SLOW)
    second = None
    try:
        send_prompt(first, "a long story please")
        first.wait_for(
            lambda: any(s == "streaming" and text for _, s, text in reply_rows(tmp_path))
        )
        [(reply_id, _, _)] = reply_rows(tmp_path)

        second = start_app(loopback, tmp_path, FAST)
        # The second app has opened the history (it is ready): the first reply is still live.
        [(_, status, partial)] = reply_rows(tmp_path)
        assert status == "streaming"
        # ... and keeps growing, still STREAMING, while the second app writes too.
        send_prompt(second, "meanwhile")
        second.wait_for(lambda: any(s == "complete" for _, s, _ in reply_rows(tmp_path)))

        def first_reply() -> tuple[str, str]:
            status, content = history_rows(
                tmp_path, "SELECT status, content FROM messages WHERE id = ?", reply_id
            )[0]
            return str(status), str(content)

        # Checkpoints come every 0.5 s: wait for the next one rather than expect it already.
        first.wait_for(lambda: len(first_reply()[1]) > len(partial))
        assert first_reply()[0] in ("streaming", "complete")
        assert first_reply()[1].startswith(partial)

        first.wait_for(
            lambda: dict((i, s) for i, s, _ in reply_rows(tmp_path))[reply_id] == "complete"
        )
        second.type(b"\x11")  # ctrl+q
        assert second.finish() == 0
        first.type(b"\x11")
        assert first.finish() == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()

    # Nothing lost: both conversations, each with its prompt and its complete reply.
    rows = history_rows(
        tmp_path,
        "SELECT c.model, m.role, m.status, m.error FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id ORDER BY c.model, m.id",
    )
    assert rows == [
        (FAST, "user", "complete", None),
        (FAST, "assistant", "complete", None),
        (SLOW, "user", "complete", None),
        (SLOW, "assistant", "complete", None),
    ]
    [(check,)] = history_rows(tmp_path, "PRAGMA integrity_check")
    assert check == "ok"
