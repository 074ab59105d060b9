"""Full-text search of the saved history: titles and messages, safe for any input."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from groq_tui.domain import Conversation, Message, MessageStatus, Usage
from groq_tui.store import HistoryStore, SearchHit, SnippetStyle
from groq_tui.store.search import fts_query


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[HistoryStore]:
    opened = await HistoryStore.open(db_path)
    yield opened
    await opened.close()


async def new_conversation(store: HistoryStore, title: str) -> int:
    saved = await store.create_conversation(Conversation(title=title, model="llama"))
    assert saved.id is not None
    return saved.id


async def add(store: HistoryStore, conversation_id: int, content: str, **kwargs: Any) -> int:
    kwargs.setdefault("role", "user")
    message = await store.add_message(
        Message(content=content, conversation_id=conversation_id, **kwargs)
    )
    assert message.id is not None
    return message.id


def index_is_consistent(path: Path) -> bool:
    """FTS5's own check of both indexes against their content tables."""
    connection = sqlite3.connect(path)
    try:
        for table in ("messages_fts", "conversations_fts"):
            connection.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()


def ids(hits: list[SearchHit]) -> list[tuple[int, int | None]]:
    return [(hit.conversation_id, hit.message_id) for hit in hits]


async def test_finds_messages_with_the_match_marked(store: HistoryStore) -> None:
    cid = await new_conversation(store, "Kitchen")
    mid = await add(store, cid, "How long should I boil an egg for a soft yolk?")
    await add(store, cid, "About six minutes.", role="assistant")
    hits = await store.search("boil")
    assert hits == [
        SearchHit(
            conversation_id=cid,
            title="Kitchen",
            message_id=mid,
            snippet="How long should I [boil] an egg for a soft yolk?",
        )
    ]


async def test_finds_titles_first_with_no_message_id(store: HistoryStore) -> None:
    titled = await new_conversation(store, "Rust lifetimes explained")
    other = await new_conversation(store, "Misc")
    mid = await add(store, other, "rust is a language")
    in_titled = await add(store, titled, "rust again")
    hits = await store.search("rust", per_conversation=None)
    assert ids(hits)[0] == (titled, None)
    assert sorted(ids(hits)[1:]) == sorted([(other, mid), (titled, in_titled)])
    assert hits[0].snippet == "[Rust] lifetimes explained"
    assert hits[0].title == "Rust lifetimes explained"


async def test_words_match_as_prefixes_in_any_order_and_all_must_match(
    store: HistoryStore,
) -> None:
    cid = await new_conversation(store, "t")
    both = await add(store, cid, "Python decorators wrap functions")
    other = await add(store, cid, "Python generators yield values")
    assert sorted(ids(await store.search("pyth", per_conversation=None))) == [
        (cid, both),
        (cid, other),
    ]
    assert ids(await store.search("wrap pyth")) == [(cid, both)]
    assert ids(await store.search("DECORATOR")) == [(cid, both)]
    assert await store.search("python rust") == []


async def test_each_conversation_is_listed_once_by_default(store: HistoryStore) -> None:
    titled = await new_conversation(store, "Zebras of Africa")
    await add(store, titled, "tell me about zebras")
    plain = await new_conversation(store, "Animals")
    await add(store, plain, "a zebra, mentioned once among many many other words here")
    best = await add(store, plain, "zebra zebra zebra")
    fillers = [
        await add(store, plain, f"zebra filler {index} with a few more words to rank lower")
        for index in range(30)
    ]
    # The title when it matches; else the newest matching message.
    assert ids(await store.search("zebra")) == [(titled, None), (plain, fillers[-1])]
    # By relevance: the message that matches best.
    assert ids(await store.search("zebra", order="relevance")) == [(titled, None), (plain, best)]
    assert len(await store.search("zebra", per_conversation=None)) == 34
    assert len(await store.search("zebra", per_conversation=2)) == 4
    assert len(await store.search("zebra", limit=1)) == 1


async def test_recent_order_is_newest_first(store: HistoryStore) -> None:
    old = await new_conversation(store, "old")
    new = await new_conversation(store, "new")
    old_hit = await add(store, old, "kiwi from long ago")
    new_hit = await add(store, new, "kiwi today")
    assert ids(await store.search("kiwi")) == [(new, new_hit), (old, old_hit)]
    # Titles too, newest conversation first.
    await store.rename_conversation(old, "kiwi old")
    await store.rename_conversation(new, "kiwi new")
    await add(store, old, "bump the old one to the top")
    assert ids(await store.search("kiwi")) == [(old, None), (new, None)]
    hits = await store.search("kiwi", per_conversation=None)
    assert ids(hits) == [(old, None), (new, None), (new, new_hit), (old, old_hit)]


async def test_accents_do_not_matter(store: HistoryStore) -> None:
    cid = await new_conversation(store, "t")
    mid = await add(store, cid, "Un café crème à Zürich")
    assert ids(await store.search("cafe zurich")) == [(cid, mid)]
    assert ids(await store.search("CRÈME")) == [(cid, mid)]


@pytest.mark.parametrize(
    "query",
    [
        "foo(",
        '"',
        '""',
        '"unbalanced',
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "NEAR(a b)",
        "-x",
        "c++",
        "*",
        "^start",
        "col:value",
        "content:foo",
        "a AND",
        "(",
        ")",
        "{a b}",
        "'; DROP TABLE messages; --",
        "\\",
        "💥",
        "x" * 2000,
        "\x00",
        "foo\tbar\nbaz",
    ],
)
async def test_nasty_input_never_breaks_the_search(
    store: HistoryStore, db_path: Path, query: str
) -> None:
    cid = await new_conversation(store, "Edge cases")
    await add(store, cid, "c++ and foo(bar) -x AND NOT near col:value")
    hits = await store.search(query)
    assert isinstance(hits, list)
    assert index_is_consistent(db_path)


async def test_operators_are_searched_as_words(store: HistoryStore) -> None:
    cid = await new_conversation(store, "Edge cases")
    mid = await add(store, cid, "compile c++ with foo(bar) and NOT much else; use -x")
    await add(store, cid, "unrelated words")
    assert ids(await store.search("c++")) == [(cid, mid)]  # "c" whole, not "cases"
    assert ids(await store.search("foo(")) == [(cid, mid)]
    assert ids(await store.search("NOT")) == [(cid, mid)]
    assert ids(await store.search("-x")) == [(cid, mid)]
    assert ids(await store.search('"foo" ( compile')) == [(cid, mid)]


@pytest.mark.parametrize("query", ["", "   ", '"', "()", "-- *"])
async def test_blank_or_punctuation_only_finds_nothing(store: HistoryStore, query: str) -> None:
    cid = await new_conversation(store, "anything")
    await add(store, cid, "text ( with -- punctuation * everywhere")
    assert await store.search(query) == []


def test_fts_query_quotes_every_word() -> None:
    # A word ending in punctuation was typed whole: no prefix match for it.
    assert fts_query('say "hi" c++ AND') == '"say"* """hi""" "c++" "AND"*'
    assert fts_query("  ") is None
    assert fts_query("-- ( )") is None


async def test_snippet_markers_are_configurable(store: HistoryStore) -> None:
    cid = await new_conversation(store, "t")
    await add(store, cid, "one two three " * 20 + "needle " + "four five six " * 20)
    [hit] = await store.search("needle", style=SnippetStyle(before="<b>", after="</b>", tokens=5))
    assert "<b>needle</b>" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.split()) <= 7


async def test_limit(store: HistoryStore) -> None:
    cid = await new_conversation(store, "apple pie")
    for index in range(10):
        await add(store, cid, f"apple number {index}")
    assert len(await store.search("apple", per_conversation=None)) == 11
    hits = await store.search("apple", limit=3, per_conversation=None)
    assert len(hits) == 3 and hits[0].message_id is None
    assert await store.search("apple", limit=0) == []


async def test_the_index_follows_every_change(store: HistoryStore, db_path: Path) -> None:
    cid = await new_conversation(store, "Original title")
    mid = await add(store, cid, "", role="assistant", status=MessageStatus.STREAMING)

    await store.save_partial(mid, "streaming partial banana")
    assert ids(await store.search("banana")) == [(cid, mid)]

    message = (await store.messages(cid))[0]
    message.content = "final text about cherries"
    message.status = MessageStatus.COMPLETE
    await store.update_message(message)
    assert await store.search("banana") == []
    assert ids(await store.search("cherries")) == [(cid, mid)]

    message.usage = Usage(completion_tokens=3)  # no text change: still indexed once
    await store.update_message(message)
    assert ids(await store.search("cherries")) == [(cid, mid)]

    await store.rename_conversation(cid, "Renamed heading")
    assert await store.search("original") == []
    assert ids(await store.search("renamed")) == [(cid, None)]

    conversation = await store.get_conversation(cid)
    assert conversation is not None
    conversation.title = "Updated heading"
    await store.update_conversation(conversation)
    assert await store.search("renamed") == []
    assert [h.title for h in await store.search("heading")] == ["Updated heading"]

    later = await add(store, cid, "later cherries")
    await store.delete_message(mid)
    assert ids(await store.search("cherries")) == [(cid, later)]

    await store.delete_messages_from(cid, later)
    assert await store.search("cherries") == []

    await add(store, cid, "doomed durian")
    assert index_is_consistent(db_path)
    await store.delete_conversation(cid)
    assert await store.search("durian") == []
    assert await store.search("heading") == []
    assert index_is_consistent(db_path)


async def test_hits_carry_the_current_title(store: HistoryStore) -> None:
    cid = await new_conversation(store, "before")
    await add(store, cid, "searchable words")
    await store.rename_conversation(cid, "after")
    [hit] = await store.search("searchable")
    assert hit.title == "after"
