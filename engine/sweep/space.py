"""What a sweep tries: each setting's text as `rnnplay sweep` takes it, read into fixed values,
lists (the app's grid syntax, engine/playground/grid.py: `0.3,1,3,10`) and distributions
(`log:1e-3..1e2`, `uniform:0.5..2`), checked before Ray is started.

Every value is parsed and bounded by its setting's own declaration (engine/config/settings.py), so
a sweep refuses what `rnnplay train` would, with the same messages. Only a setting that says what is
trained may vary: where and how long to train (`resumable`), what is shown (`shown_only`), the
held-out text the trials are ranked on and the corpus stay one for the whole sweep, or the
trials' perplexities would not compare.

Plain data only: the Ray search space is built from a Space in engine/sweep/tuning.py.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.config import ConfigError, CorpusConfig, Spec, TrainConfig, spec_of, specs
from engine.playground.grid import field_values

# Trials one sweep may hold (the grid's combinations times --samples): past this a typing slip
# (a list pasted twice) would queue hours of work and fill the disk with session files.
MAX_TRIALS = 1024
# The held-out perplexity every trial is ranked on.
METRIC = "val_perplexity"
KINDS = ("log", "uniform")  # distribution prefixes: `log:A..B`, `uniform:A..B`
# A resumed sweep's trials carry their names in their config (not a setting): a new Tuner numbers
# its trials from 0, and each must keep its name and find its session file by it.
TRIAL_KEY = "sweep_trial"


@dataclass(frozen=True)
class Distribution:
    """A setting drawn anew for each sample: log-uniform or uniform between low and high."""

    kind: str  # one of KINDS
    low: float
    high: float
    integer: bool  # a whole-number setting: drawn values are whole numbers

    def text(self) -> str:
        return f"{self.kind}:{self.low:g}..{self.high:g}"


def may_vary(spec: Spec) -> bool:
    """Whether a sweep may give a setting several values (the module's docstring says why not)."""
    return (spec.name in {s.name for s in specs(TrainConfig)}
            and not (spec.setting.resumable or spec.setting.shown_only)
            and spec.name != "val_chars")


def parse_distribution(spec: Spec, text: str) -> Distribution:
    """`log:A..B` or `uniform:A..B` for a number setting, both ends within its bounds."""
    kind, _, rest = text.partition(":")
    low_text, sep, high_text = rest.partition("..")
    if kind not in KINDS or not sep:
        raise ConfigError(
            f"{spec.noun}: {text!r} is not a distribution; write log:A..B or uniform:A..B",
            spec.name,
        )
    if spec.kind not in (int, float):
        raise ConfigError(f"{spec.noun} is not a number: give its values as a list, not "
                          f"{text!r}", spec.name)
    low, high = spec.parse(low_text), spec.parse(high_text)
    for end in (low, high):
        spec.check(end)
    if not low < high:
        raise ConfigError(f"{spec.noun}: {text!r} needs its low end below its high end",
                          spec.name)
    if kind == "log" and low <= 0:
        raise ConfigError(f"{spec.noun}: a log distribution needs a positive low end, not "
                          f"{low:g}", spec.name)
    return Distribution(kind, float(low), float(high), spec.kind is int)


@dataclass(frozen=True)
class Space:
    """The settings of every trial: `fixed` values, `lists` swept as a grid, `drawn`
    distributions sampled `samples` times for each combination of the grid."""

    corpus: dict[str, Any]  # the CorpusConfig fields given, as values
    fixed: dict[str, Any] = field(default_factory=dict)  # TrainConfig fields, one value each
    lists: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    drawn: dict[str, Distribution] = field(default_factory=dict)
    samples: int = 1

    @property
    def trials(self) -> int:
        return math.prod(len(values) for values in self.lists.values()) * self.samples

    @property
    def varied(self) -> tuple[str, ...]:
        """The settings that tell trials apart, in the order they were declared."""
        return tuple(s.name for s in specs(TrainConfig) if s.name in self.lists or
                     s.name in self.drawn)

    def label(self, settings: Mapping[str, Any]) -> str:
        """A trial's name in progress lines and the summary: its varied settings
        ("lr 3, hidden 128")."""
        return ", ".join(f"{name} {shown(name, settings[name])}" for name in self.varied
                         if name in settings) or "the one trial"


def build_space(
    texts: Mapping[str, str], corpus_texts: Mapping[str, str], samples: int = 1
) -> Space:
    """The space of `texts` and `corpus_texts` (TrainConfig and CorpusConfig field name -> the
    text typed for it); ConfigError
    names the setting at fault: a list or distribution for a setting that cannot vary, a value
    its setting refuses, an empty list, more than MAX_TRIALS trials."""
    if not 1 <= samples <= MAX_TRIALS:
        raise ConfigError(f"--samples must be from 1 to {MAX_TRIALS}, not {samples}")
    corpus = {}
    for spec in specs(CorpusConfig):
        if spec.name in corpus_texts:
            values = field_values(spec, corpus_texts[spec.name])
            if len(values) > 1:
                _check_may_vary(spec, corpus_texts[spec.name])
            corpus[spec.name] = values[0]
    CorpusConfig(**corpus).check()
    fixed: dict[str, Any] = {}
    lists: dict[str, tuple[Any, ...]] = {}
    drawn: dict[str, Distribution] = {}
    table = {s.name: s for s in specs(TrainConfig)}
    for name, text in texts.items():
        spec = table[name]
        if not text.strip():
            raise ConfigError(f"{spec.flag} is empty: give a value or a comma-separated list",
                              name)
        if text.split(":", 1)[0] in KINDS and spec.kind is not tuple:
            _check_may_vary(spec, text)
            drawn[name] = parse_distribution(spec, text)
            continue
        values = field_values(spec, text)
        if len(values) > 1:
            _check_may_vary(spec, text)
            lists[name] = values
        else:
            fixed[name] = values[0]
    if samples > 1 and not drawn:
        raise ConfigError("--samples draws distributions (log:A..B): give one, or leave "
                          "--samples out (a list is tried once per value)")
    space = Space(corpus, fixed, lists, drawn, samples)
    if space.trials > MAX_TRIALS:
        raise ConfigError(f"the sweep makes {space.trials:,} trials, more than {MAX_TRIALS:,}: "
                          "shorten a list or lower --samples")
    if not 0 < TrainConfig(**_first(space)).val_chars:
        raise ConfigError("a sweep ranks trials on held-out perplexity: --val-chars must be "
                          "above 0", "val_chars")
    _check_trials(space)
    return space


def _check_trials(space: Space) -> None:
    """ConfigError for a combination of the grid that TrainConfig refuses as a whole (gru with
    relu, scratch with 2 layers, random sampling without detaching): each such trial would fail
    on its node. The distributions are checked at both ends."""
    names = list(space.lists)
    ends = [{name: (int(getattr(d, end)) if d.integer else getattr(d, end))
             for name, d in space.drawn.items()} for end in ("low", "high")]
    for combination in itertools.product(*(space.lists[name] for name in names)):
        for drawn in ends:
            settings = {**space.fixed, **dict(zip(names, combination, strict=True)), **drawn}
            try:
                TrainConfig(**settings).check()
            except ConfigError as err:
                raise ConfigError(f"the trial {space.label(settings)} cannot run: {err}",
                                  err.field) from None


def _check_may_vary(spec: Spec, text: str) -> None:
    if not may_vary(spec):
        raise ConfigError(
            f"{spec.flag} cannot vary within a sweep ({text!r}): it is one for every trial, "
            "so their perplexities compare; give one value", spec.name,
        )


def _first(space: Space) -> dict[str, Any]:
    """One trial's settings (the grid's first values, the distributions' low ends): enough to
    check what holds for every trial."""
    first = {name: values[0] for name, values in space.lists.items()}
    first.update({name: (int(d.low) if d.integer else d.low) for name, d in space.drawn.items()})
    return {**space.fixed, **first}


def plain_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """A trial's settings as Tune hands them over, as the config's own types: a drawn number may
    be a numpy scalar, which TrainConfig's checks refuse (3 as numpy.int64 is not an int)."""
    table = {s.name: s for s in specs(TrainConfig)}
    out = {}
    for name, value in config.items():
        if name == TRIAL_KEY:
            continue
        spec = table[name]
        if isinstance(value, tuple | list) or value is None:
            out[name] = tuple(value) if value is not None else None
        else:
            out[name] = spec.parse(spec.text(value.item() if hasattr(value, "item") else value))
    return out


def shown(name: str, value: Any) -> str:
    """A setting's value as the progress lines and tables show it: as typed, with a drawn
    number cut to 4 significant digits (the summary files keep it whole)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return spec_of(TrainConfig, name).text(tuple(value) if isinstance(value, list) else value)
