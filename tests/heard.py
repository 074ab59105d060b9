"""How much of a text was heard: word lists compared with case and punctuation left out."""

from __future__ import annotations

import re

PIPER_HEARD = 0.75
"""How much of what the bundled Piper voice says Whisper tiny must hear. Piper samples noise
as it speaks (the same text comes out different each time, even in length), and Whisper tiny
mishears a word or two now and then, more on a busy machine. Passes of the suite under load
failed on 12 of 14 words ("Place in the quarterly report" for "Please send ...") and on 11
of 14 ("many both sail and water" for "Many boats sail on the water"). Speech of another
text, or none, is far below this.
"""

ESPEAK_HEARD = 0.8
"""How much of what the loopback server's voice (espeak-ng) says, played through the virtual
speaker and recorded back, Whisper tiny must hear. The voice is the same each time but the
recording is not; a pass heard 12 of 14 words ("The river flows from the sea, many moats sail
on the water every morning"). Speech of another text, or none, is far below this.
"""


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, without punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def heard_share(reference: str, heard: str) -> float:
    """The share of the reference's words found in what was heard."""
    remaining = words(heard)
    found = 0
    for word in words(reference):
        if word in remaining:
            remaining.remove(word)
            found += 1
    return found / max(len(words(reference)), 1)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference's length."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
            )
        previous = current
    return previous[-1] / max(len(ref), 1)
