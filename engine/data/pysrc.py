"""The pysrc corpus: Python source from the running interpreter's own standard library."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from engine.data.errors import CorpusError
from engine.data.text_file import normalise_newlines

# Pure-Python stdlib modules (no C-only ones, which have no source). The order is part of the
# corpus: changing it changes the text, its vocabulary and its sha256.
PYSRC_MODULES = (
    "textwrap", "string", "heapq", "bisect", "fnmatch", "colorsys", "shlex", "graphlib",
    "queue", "sched", "glob", "fractions", "difflib", "statistics", "calendar", "functools",
)


def pysrc_text() -> str:
    """Source of PYSRC_MODULES from the running interpreter, in list order.

    Unlike jaychou, newlines are kept: line structure and indentation are what make code code.
    Only line endings are normalised (to "\\n"). The text depends on the Python version, which
    Corpus.sha256 makes visible.
    """
    parts = [src for name in PYSRC_MODULES if (src := _module_source(name))]
    if not parts:
        raise CorpusError("pysrc: this Python installation ships no standard-library source files")
    return normalise_newlines("\n\n".join(parts))


def _module_source(name: str) -> str | None:
    # find_spec locates the file without importing (executing) the module.
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    if not origin or not origin.endswith(".py"):
        return None
    try:
        return Path(origin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
