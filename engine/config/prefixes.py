"""The sample prompts a run predicts from: the book's for its corpora, else a corpus's own."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.data.corpus import Corpus

# The book's sample prompts for its lyrics; other corpora get prompts from their own text.
BOOK_PREFIXES = ("分开", "不分开")
# The d2l English edition's prompts for The Time Machine (train_ch8).
TIME_MACHINE_PREFIXES = ("time traveller", "traveller")
# Sample prompts from a corpus's own lines: this many lines, at most this many characters each.
PREFIX_LINES = 3
LINE_START = re.compile(r"\S{1,8}\s?")  # a line's first word (at most 8 characters) and a space


def default_prefixes(corpus: Corpus) -> tuple[str, ...]:
    """The sample prompts for a corpus: the book's 分开 / 不分开 for its lyrics and "time
    traveller" / "traveller" for The Time Machine; otherwise the first word (up to 8 characters)
    of each of the text's first few non-empty lines, so every prompt is made of characters the
    model knows."""
    if corpus.name == "jaychou":
        return BOOK_PREFIXES
    if corpus.name == "timemachine" and all(c in corpus.vocab for c in TIME_MACHINE_PREFIXES[0]):
        return TIME_MACHINE_PREFIXES  # the second is a suffix of the first
    starts: list[str] = []
    for line in corpus.text.splitlines():
        match = LINE_START.match(line.strip())
        if match and match.group() not in starts:
            starts.append(match.group())
            if len(starts) == PREFIX_LINES:
                break
    return tuple(starts) or (corpus.text[:1],)
