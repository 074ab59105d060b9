"""Markdown to text worth hearing, and text cut into pieces a speech model takes.

A reply read aloud symbol by symbol is useless ("backtick backtick backtick python..."), so
:func:`speakable` keeps the prose and summarises the rest:

- a fenced code block becomes "Code block in Python, 12 lines.";
- a table becomes "Table with 3 columns and 4 rows: Name, Age, City.";
- a link is read by its text, an image by its description, a bare URL by its host;
- emphasis, inline code marks, headings' hashes, list bullets, quotes' ``>`` and HTML tags
  go; headings and list items end with a full stop so the voice pauses after them.

:func:`split_sentences` and :func:`pieces_for_speech` cut text at sentence ends (then at
clause ends, then between words) into pieces no longer than a model's input limit.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

LANGUAGE_NAMES = {
    "py": "Python", "python": "Python", "python3": "Python", "js": "JavaScript",
    "javascript": "JavaScript", "ts": "TypeScript", "typescript": "TypeScript",
    "sh": "shell", "bash": "shell", "zsh": "shell", "shell": "shell", "console": "shell",
    "c": "C", "cpp": "C++", "c++": "C++", "cs": "C#", "csharp": "C#", "go": "Go",
    "rs": "Rust", "rust": "Rust", "rb": "Ruby", "ruby": "Ruby", "java": "Java",
    "kt": "Kotlin", "kotlin": "Kotlin", "swift": "Swift", "php": "PHP", "sql": "SQL",
    "html": "HTML", "css": "CSS", "json": "JSON", "yaml": "YAML", "yml": "YAML",
    "toml": "TOML", "xml": "XML", "md": "Markdown", "markdown": "Markdown",
    "dockerfile": "Dockerfile", "make": "Makefile", "makefile": "Makefile", "r": "R",
    "lua": "Lua", "hs": "Haskell", "haskell": "Haskell", "diff": "diff", "text": "",
    "txt": "", "plaintext": "",
}  # fmt: skip
"""How a fence's language tag is said."""

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_URL = re.compile(r"\bhttps?://[^\s<>()\]]+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1")
_SPACES = re.compile(r"[ \t]+")
_END_PUNCTUATION = (".", "!", "?", ":", ";", "…")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _code_summary(language: str, lines: int) -> str:
    spoken = LANGUAGE_NAMES.get(language.lower(), language)
    where = f" in {spoken}" if spoken else ""
    return f"Code block{where}, {_plural(lines, 'line')}."


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table_summary(rows: list[str]) -> str:
    header = [_inline(cell) for cell in _cells(rows[0])]
    body = len(rows) - 2  # the header and the rule
    names = ", ".join(cell for cell in header if cell)
    summary = f"Table with {_plural(len(header), 'column')} and {_plural(body, 'row')}"
    return f"{summary}: {names}." if names else f"{summary}."


def _host(match: re.Match[str]) -> str:
    host = urlparse(match.group(0)).hostname or "a web page"
    return f"a link to {host.removeprefix('www.')}"


def _inline(text: str) -> str:
    """Inline Markdown to plain words."""
    text = _IMAGE.sub(lambda m: f"image: {m.group(1)}" if m.group(1) else "an image", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(_host, text)
    text = _URL.sub(_host, text)
    text = _HTML_TAG.sub("", text)
    text = _INLINE_CODE.sub(lambda m: m.group(2).strip(), text)
    previous = None
    while previous != text:  # nested emphasis: ***a**b* and the like
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return _SPACES.sub(" ", text).strip()


def _with_stop(text: str) -> str:
    return text if not text or text.endswith(_END_PUNCTUATION) else text + "."


def speakable(markdown: str) -> str:
    """The text of ``markdown`` as it should be spoken (paragraphs separated by blank lines).

    An unclosed code fence (a reply still streaming) is summarised with the lines so far.
    """
    lines = markdown.replace("\r\n", "\n").split("\n")
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            marker, language = fence.group(1), fence.group(2)
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith(marker):
                end += 1
            blocks.append(_code_summary(language, end - i - 1))
            i = end + 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            end = i + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                end += 1
            blocks.append(_table_summary(lines[i:end]))
            i = end
            continue
        i += 1
        if not line.strip() or _RULE.match(line):
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(_with_stop(_inline(heading.group(1))))
            continue
        text = _QUOTE.sub("", line)
        bullet = _BULLET.match(text)
        if bullet:
            flush()
            paragraph.append(_with_stop(_inline(text[bullet.end() :])))
            flush()
            continue
        words = _inline(text)
        if words:
            paragraph.append(words)
    flush()
    return "\n\n".join(block for block in blocks if block)


_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"')\]”’]))\s+|\n\s*\n")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (cut after . ! ? … and at blank lines), trimmed."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _cut_long(sentence: str, limit: int) -> list[str]:
    """A sentence longer than ``limit``: cut at clause ends, then between words, then hard."""
    for pattern in (_CLAUSE_END, re.compile(r"\s+")):
        parts = [part for part in pattern.split(sentence) if part]
        if len(parts) > 1:
            return _pack(parts, limit, " ")
    return [sentence[start : start + limit] for start in range(0, len(sentence), limit)]


def _pack(parts: list[str], limit: int, joiner: str) -> list[str]:
    pieces: list[str] = []
    current = ""
    for part in parts:
        if len(part) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.extend(_cut_long(part, limit))
            continue
        candidate = f"{current}{joiner}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = part
    if current:
        pieces.append(current)
    return pieces


def pieces_for_speech(text: str, limit: int) -> list[str]:
    """``text`` cut at sentence ends into pieces of at most ``limit`` characters.

    Whole sentences are packed together up to the limit; a sentence longer than it is cut
    at clause ends, then between words.

    Raises:
        ValueError: ``limit`` is less than 1.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return _pack(split_sentences(text), limit, " ")
