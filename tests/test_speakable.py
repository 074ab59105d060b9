"""Markdown to speakable text, and text cut at sentence ends within a length limit."""

from __future__ import annotations

import pytest

from groq_tui.services.speakable import pieces_for_speech, speakable, split_sentences


def test_code_blocks_are_summarised_with_their_language_and_size() -> None:
    code = "\n".join(f"print({i})" for i in range(12))
    text = speakable(f"Here is how:\n\n```python\n{code}\n```\n\nThat is all.")
    assert text == "Here is how:\n\nCode block in Python, 12 lines.\n\nThat is all."
    assert speakable("```\nls\n```") == "Code block, 1 line."
    assert speakable("~~~rust\nfn main() {}\n~~~") == "Code block in Rust, 1 line."


def test_an_unclosed_fence_while_streaming_counts_the_lines_so_far() -> None:
    assert speakable("Look:\n```js\nlet a = 1;\nlet b = 2;") == (
        "Look:\n\nCode block in JavaScript, 2 lines."
    )


def test_links_are_read_by_their_text_and_urls_by_their_host() -> None:
    text = speakable(
        "See [the docs](https://example.com/docs) or https://www.python.org/downloads/ "
        "and ![a cat](cat.png)."
    )
    assert text == "See the docs or a link to python.org and image: a cat."


def test_tables_are_summarised() -> None:
    table = "| Name | Age | City |\n|------|----:|:----:|\n| Ann | 31 | Oslo |\n| Bob | 42 | Rome |"
    assert speakable(f"People:\n\n{table}\n\nDone.") == (
        "People:\n\nTable with 3 columns and 2 rows: Name, Age, City.\n\nDone."
    )


def test_marks_go_and_headings_and_items_end_with_a_pause() -> None:
    markdown = (
        "# Getting **started**\n\n"
        "> A *quoted* line with `inline_code`.\n\n"
        "- first item\n- second item!\n1. numbered\n\n"
        "---\n"
        "Some <b>bold</b> and ~~struck~~ words."
    )
    assert speakable(markdown) == (
        "Getting started.\n\nA quoted line with inline_code.\n\nfirst item.\n\nsecond item!"
        "\n\nnumbered.\n\nSome bold and struck words."
    )


def test_paragraph_lines_are_joined() -> None:
    assert speakable("one line\nand the next\n\nnew paragraph") == (
        "one line and the next\n\nnew paragraph"
    )


def test_sentences_split_at_their_ends_and_at_blank_lines() -> None:
    assert split_sentences('He said "stop." Then? Yes! Done…\n\nNext one') == [
        'He said "stop."',
        "Then?",
        "Yes!",
        "Done…",
        "Next one",
    ]
    assert split_sentences("Version 3.11 is out. Good.") == ["Version 3.11 is out.", "Good."]


def test_pieces_pack_whole_sentences_up_to_the_limit() -> None:
    text = "One two three. Four five six. Seven eight nine. Ten."
    pieces = pieces_for_speech(text, 30)
    assert pieces == ["One two three. Four five six.", "Seven eight nine. Ten."]
    assert all(len(piece) <= 30 for piece in pieces)


def test_a_sentence_longer_than_the_limit_is_cut_at_clauses_then_words() -> None:
    sentence = "First clause here, second clause here, and a third one that goes on and on."
    pieces = pieces_for_speech(sentence, 25)
    assert all(len(piece) <= 25 for piece in pieces)
    assert pieces[:2] == ["First clause here,", "second clause here,"]
    assert " ".join(pieces) == sentence
    assert pieces_for_speech("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_nothing_to_say_gives_no_pieces() -> None:
    assert pieces_for_speech("   \n\n ", 200) == []
    with pytest.raises(ValueError, match="limit"):
        pieces_for_speech("text", 0)
