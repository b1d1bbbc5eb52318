"""A run's label: its name, given when it joins and kept in its session file. It names the model
and what sets the run apart (run_tag): the settings a grid varies ("#3 scratch·random·lr 30"),
then those where it differs from a run on screen ("#2 scratch·lr 1000" beside "#1 scratch"); a
run like every other is its model alone. Where that is too long for the runs table's column, the
settings are named in short ("#3 scratch·consec·lr 30"). F8 gives a run another lr later. Its
name stays (samples and files hold it); where it is named, an lr in it that is no longer the
run's says so: "#2 scratch·lr 30→20". The core's messages name a run so, as the UI does
(tui/labels.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.config import TrainConfig
from engine.playground.grid import label_number, spec_named, tag_part

# What parts a tag's settings: "·" ("random·lr 10"); ", " in labels saved before it was.
_PARTS = re.compile(r"(·|, )")


# The settings a new run's label names where it differs from a run on screen, in this order: the
# lr last, where F8's arrow goes ("lr 30→20"). The model is named anyway; the epochs, seed and
# device say nothing of what the run learns differently.
TOLD_APART = ("corpus", "sampling", "nonlinearity", "input", "embed_dim", "layers", "hidden",
              "num_steps", "batch_size", "clip", "lr")  # fmt: skip


# The cells a label has in the runs table: its column's 27 less the ▶ and ✓ before it and the
# spare cell after it.
LABEL_CELLS = 24


@dataclass(frozen=True)
class _Short:
    """How a tag too long for a label's cells names its settings: `names` writes a number's
    setting (its value follows), `words` replaces a word."""

    names: dict[str, str]
    words: dict[str, str]


# Tried in turn until the tag fits: first the runs table's headers for the settings ("steps 35"
# for num_steps 35) and "consec"; then a letter each (T time steps and h hidden units as the
# book writes them, θ the clip as the setup form does; B batch, L layers, E embedding) and
# four-letter words, the first's words too (a label made in them that F8's arrow lengthens). The
# lr keeps "lr ", which the arrow needs ("lr 30→20"); the table's columns show each setting whole.
_SHORTER = (
    _Short({"num_steps": "steps ", "batch_size": "batch ", "embed_dim": "embed "},
           {"consecutive": "consec"}),
    _Short({"num_steps": "T", "batch_size": "B", "hidden": "h", "layers": "L", "embed_dim": "E",
            "clip": "θ", "steps": "T", "batch": "B", "embed": "E"},
           {"consecutive": "cons", "consec": "cons", "random": "rand"}),
)  # fmt: skip
WORD_CELLS = 10  # a longer word (a corpus file's name) is cut to this, "…" ending it


def run_name(model: str, tag: str) -> str:
    """A label without its number: "scratch", "scratch·lr 1000"."""
    return f"{model}·{tag}" if tag else model


def run_tag(
    corpus: str, config: TrainConfig, others: Sequence[tuple[str, TrainConfig]], tag: str = "",
    number: int | None = None,
) -> str:
    """What tells a new run (on `corpus`, set up as `config`) from the runs on screen (`others`,
    each its corpus and config): `tag` (what its grid varies: "lr 10"), then each setting of
    TOLD_APART whose value differs from one of theirs, written as a grid's tag writes it. An lr
    is compared with the runs of its model only: each model family has its own (the book's SGD
    100, Adam 1e-3), and a label "rnn·lr 0.001" beside "scratch" says nothing new. With the
    run's `number`, a label "#N model·tag" too long for the runs table's column names its
    settings in short (_SHORTER) where that fits: "consec·lr 30" for "consecutive·lr 30"."""
    parts = [tag] if tag else []
    # What the tag names already, each setting on its own: a sweep's "lr 3, hidden 128" too.
    named = set(_PARTS.split(tag))
    for name in TOLD_APART:
        mine = _value(name, corpus, config)
        if any(_value(name, c, o) != mine for c, o in others
               if name != "lr" or o.model == config.model):  # fmt: skip
            words = _part(name, corpus, config)
            # A grid that varies the corpus named it whole: it is not named twice.
            if words not in named and not (name == "corpus" and corpus in named):
                parts.append(words)
                named.add(words)
    full = "·".join(parts)
    if number is None:
        return full
    # Cut with "…" in the runs table, a label of two settings lost the second ("#4
    # scratch·consecutive·…"): shorter names for them, as far as it takes to fit.
    room = LABEL_CELLS - len(f"#{number} ") - _cells(config.model) - 1
    for short in (None, *_SHORTER):
        shown = full if short is None else "".join(_short(p, short) for p in _PARTS.split(full))
        if _cells(shown) <= room:
            return shown
    return full  # too long however it is said: whole, where a message names it


def _cells(text: str) -> int:
    """Terminal cells `text` takes: two for a wide character (a CJK corpus file's name)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _short(part: str, short: _Short) -> str:
    """One part of a tag (or a separator) as `short` writes it."""
    name, space, value = part.partition(" ")
    if space and name in short.names:
        return short.names[name] + value
    if "/" in part:  # a corpus given by its path (a grid that varies the corpus names it whole)
        part = Path(part).stem or part
    part = short.words.get(part, part)
    if space or _cells(part) <= WORD_CELLS:
        return part
    # A long corpus file's name: its start says which ("some_long…"), the run's number the rest.
    kept = ""
    for ch in part:
        if _cells(kept + ch) > WORD_CELLS - 1:
            break
        kept += ch
    return kept + "…"


def _value(name: str, corpus: str, config: TrainConfig) -> str:
    return corpus if name == "corpus" else spec_named(name).text(getattr(config, name))


def _part(name: str, corpus: str, config: TrainConfig) -> str:
    # A corpus by its file's stem: "tiny" for /tmp/x/tiny.txt (a label has 27 cells).
    return Path(corpus).stem if name == "corpus" else tag_part(name, getattr(config, name))


def label_now(label: str, lr: float) -> str:
    """`label` with its lr, if it names one ("lr 30" after the model's "·"), followed by `lr`
    where they differ; where that is too long for the runs table's column, its other settings
    in short ("#2 scratch·cons·lr 30→10": the table cut "#2 scratch·consec·lr 30…")."""
    head, dot, tag = label.partition("·")
    if not dot:
        return label
    now = label_number(lr)
    # The separators are kept (split with a group): every other piece is one.
    pieces = _PARTS.split(tag)
    if not any(_other_lr(piece, lr) for piece in pieces):
        return label
    shown = [head + dot + "".join(f"{p}→{now}" if _other_lr(p, lr) else p for p in kept)
             for kept in (pieces, *([_short(p, short) for p in pieces] for short in _SHORTER))]
    # "lr 30" stays as it is in short: only the other settings give way, and only to fit.
    return next((text for text in shown if _cells(text) <= LABEL_CELLS), shown[0])


def _other_lr(part: str, lr: float) -> bool:
    """Whether `part` of a tag names an lr other than `lr` (by value: "1e-3" is 0.001)."""
    if not part.startswith("lr "):
        return False
    try:
        return float(part[3:]) != lr
    except ValueError:  # not a number: a label from a file, not a grid's tag
        return False
