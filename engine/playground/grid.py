"""A settings grid, the in-app version of a sweep: a setup field may hold several values
(`lr 1, 10, 100`, `sampling random, consecutive`, `model scratch, rnn`) and one new run starts
per combination of them.

Only a field whose value is not itself a list may hold several: the sample prompts are a list,
so their commas stay theirs. Each value gets its setting's own parse and check, so a grid is
refused with the same messages as a single value.

The learning rate follows the model family, as the form's lr field does (the book's SGD at 100
for scratch diverges Adam at once, and Adam's 1e-3 barely moves SGD): a single lr is the one the
field shows, for its model's family, and every other model of the grid takes its own family's
(as the form keeps it: the book's until the user typed another). A list of lrs is a sweep the
user asked for, so every model of the grid is swept over it: the grid stays a plain product.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.config import BOOK_LR, ConfigError, CorpusConfig, Spec, TrainConfig, spec_of

# Runs one F5 may start: each trains beside the others on this machine's cores and memory, and
# the runs table, the plot's legend and the prompt's marked completions stay readable.
MAX_RUNS = 16


def field_values(spec: Spec, text: str) -> tuple[Any, ...]:
    """The values a field's text holds, each parsed and checked by its setting (ConfigError
    names the field and the value at fault); a value given twice counts once."""
    pieces = [text]
    # A corpus file whose name holds a comma is still one file.
    if spec.kind is not tuple and "," in text and not _is_file(spec, text):
        pieces = text.split(",")
    values: list[Any] = []
    for piece in pieces:
        if len(pieces) > 1 and not piece.strip():
            raise ConfigError(
                f"{spec.noun} has an empty value in {text.strip()!r}: separate values with "
                "commas", spec.name,
            )
        value = spec.parse(piece)
        spec.check(value)
        if value not in values:
            values.append(value)
    return tuple(values)


def _is_file(spec: Spec, text: str) -> bool:
    return spec.name == "corpus" and Path(text.strip()).is_file()


def spec_named(name: str) -> Spec:
    """The Spec of a CorpusConfig or TrainConfig field (KeyError if neither has it)."""
    try:
        return spec_of(CorpusConfig, name)
    except KeyError:
        return spec_of(TrainConfig, name)


LR = spec_of(TrainConfig, "lr")


class Grid:
    """The runs a form's fields make: `texts` holds each field's text by field name (corpus,
    model, lr, ...), `family_lr` each model family's lr text as the form keeps it, read when
    one lr is given for several models (the module's docstring says why). Building it parses
    and checks every field (ConfigError names the field and the value)."""

    def __init__(self, texts: Mapping[str, str], family_lr: Mapping[str, str]) -> None:
        self.axes = {name: field_values(spec_named(name), text) for name, text in texts.items()}
        self.family_lr = family_lr

    @property
    def lr_follows_family(self) -> bool:
        """Whether each model of the grid takes its family's lr (one lr, several models)."""
        return len(self.axes.get("lr", ())) <= 1 and len(self.axes.get("model", ())) > 1

    def lrs(self, model: str) -> tuple[float, ...]:
        """The lr values a run of `model` is swept over."""
        if not self.lr_follows_family:
            return self.axes["lr"]
        text = self.family_lr.get(model)
        if text is None:
            return (BOOK_LR[model],)
        try:
            return field_values(LR, text)
        except ConfigError as err:
            raise ConfigError(f"the lr kept for {model}: {err}", "lr") from None

    @property
    def size(self) -> int:
        """How many runs the grid makes, counted without building them."""
        if not self.lr_follows_family:
            return math.prod(len(values) for values in self.axes.values())
        others = math.prod(
            len(values) for name, values in self.axes.items() if name not in ("model", "lr")
        )
        return others * sum(len(self.lrs(model)) for model in self.axes["model"])

    def runs(self) -> list[dict[str, Any]]:
        """One settings dict per combination of the fields' values, the last field varying
        fastest; more than MAX_RUNS is a ConfigError saying how many the grid makes."""
        count = self.size
        if count > MAX_RUNS:
            raise ConfigError(
                f"the grid makes {count} runs, more than the {MAX_RUNS} one F5 may start: "
                "shorten a list"
            )
        names = list(self.axes)
        runs = []
        for combination in itertools.product(*(self.axes[name] for name in names)):
            settings = dict(zip(names, combination, strict=True))
            if self.lr_follows_family:
                runs.extend({**settings, "lr": lr} for lr in self.lrs(settings["model"]))
            else:
                runs.append(settings)
        return runs


def grid_tags(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    """What tells each of a grid's runs apart in its label: the settings whose values vary
    across the grid, but the model, which a label names anyway, joined by "·" as the label
    joins the model to them ("lr 10", "random·lr 10"); "" where nothing else varies. A word
    stands alone ("random", "relu"): it says which setting it is; a number keeps its
    setting's name ("lr 10", "hidden 64"), which it does not."""
    varying = [name for name in (runs[0] if runs else ()) if name != "model"
               and len({spec_named(name).text(run[name]) for run in runs}) > 1]
    return ["·".join(tag_part(name, run[name]) for name in varying) for run in runs]


def tag_part(name: str, value: Any) -> str:
    """One setting as a label names it: a word alone ("consecutive"), a number with its
    setting's name ("lr 10", "lr 1e5")."""
    spec = spec_named(name)
    if spec.kind is float and value is not None:
        return f"{name} {label_number(value)}"
    text = spec.text(value)
    return text if spec.kind is str else f"{name} {text}"


def label_number(value: float) -> str:
    """A decimal setting as a label writes it: as typed back ("30", "0.001"), or in powers of
    ten where that is two or more characters shorter ("1e5" for 100000, "1e-4"). A label cut
    to the runs table's column read "lr 10…" for lr 100000, as if it were lr 10."""
    plain = f"{value:g}"
    if float(plain) != value:
        plain = repr(float(value))
    mantissa, _, power = f"{value:e}".partition("e")
    powers = f"{float(mantissa):g}e{int(power)}"
    shorter = len(powers) <= len(plain) - 2 or "e" in plain  # "2.5e-5", not "2.5e-05"
    return powers if float(powers) == value and shorter else plain
