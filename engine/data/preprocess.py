"""What is done to a corpus's text before a model sees it: nothing, or the book's cleaning of
*The Time Machine* (letters and spaces, lower case).

The d2l chapter trains on `read_time_machine()`'s lines, each `re.sub('[^A-Za-z]+', ' ', line)
.strip().lower()`, and `load_corpus_time_machine` then concatenates the lines' characters with
nothing in between (a line's last word runs into the next line's first). `d2l` does exactly
that, so the text, its 27-character vocabulary and its first 10,000 characters are the book's.
"""

from __future__ import annotations

import re

from engine.config import PREPROCESSING

# The corpora "auto" cleans: those the book trains on cleaned.
BOOK_CLEANED = frozenset({"timemachine"})

_NOT_LETTERS = re.compile("[^A-Za-z]+")


def resolve(preprocess: str, corpus: str) -> str:
    """"none" or "d2l": what `preprocess` means for the corpus named `corpus`."""
    if preprocess == "auto":
        return "d2l" if corpus in BOOK_CLEANED else "none"
    if preprocess not in PREPROCESSING:
        raise ValueError(f"preprocessing must be one of {', '.join(PREPROCESSING)}")
    return preprocess


def d2l_clean(text: str) -> str:
    """The book's read_time_machine + load_corpus_time_machine on a newline-normalised text.

    Cleaning a prefix of a text gives a prefix of the cleaned text (a line cut short loses at
    most a trailing space), which lets a file be read only as far as the characters kept need.
    """
    return "".join(_NOT_LETTERS.sub(" ", line).strip().lower() for line in text.split("\n"))


def apply(preprocess: str, text: str) -> str:
    """`text` after a resolved preprocessing ("none" or "d2l")."""
    return d2l_clean(text) if preprocess == "d2l" else text
