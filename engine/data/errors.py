"""CorpusError: a corpus cannot be used. Every source of a corpus's text raises it (corpus.py
for names and files, hosted.py for the book's downloads, pysrc.py), and callers catch it alone."""

from __future__ import annotations


class CorpusError(Exception):
    """A corpus cannot be used; str(error) is a complete message for the user; `field` names
    the setting it tells the user to change (TextFileError's)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

