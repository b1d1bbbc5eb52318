"""The runs table's columns, as TensorBoard's HParams view lays out a comparison: what each run
was set up with and what it reached, one run a row.

The settings that differ between the runs come first (after the run's label): they are what
the runs compare. Then the run's numbers (state, epoch of its target, perplexity, held-out
perplexity, the best held-out one, speed, saved), then the settings every run shares. Where the
table has less room than the columns take, the shared settings go first (but the learning rate and
its optimizer: KEPT_SHARED), then the columns that give way (GIVE_WAY), then the optimizer and the
learning rate, then the differing settings, last first (a differing learning rate and its
optimizer last of all); the label, state, epoch, perplexity and held-out perplexity always stay
(80 columns hold them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rich.cells import cell_len, set_cell_size

from engine.playground import RunSummary
from tui.numbers import perplexity_text, rate_text


@dataclass(frozen=True)
class Column:
    name: str  # its header, and its key in the table
    width: int  # fixed, with a space to spare, so the table looks the same whatever passes
    text: Callable[[RunSummary], str]
    # What sorting by it compares; None sorts after every value, whichever the direction.
    order: Callable[[RunSummary], object]
    setting: bool = False  # a training setting: first when it differs between the runs
    # What tells the runs' settings apart (default: the text): an lr F8 changed on a paused
    # run ("100→30") is the same setting as another run's 30.
    compared: Callable[[RunSummary], str] | None = None
    widens: bool = False  # as wide as its widest cell (else cut at its width)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _ppl(value: float | None) -> str:
    return "-" if value is None else perplexity_text(value)


def _held_out(run: RunSummary) -> float | None:
    return run.last.val_perplexity if run.last is not None else None


def _speed(run: RunSummary) -> float | None:
    """The last epoch's characters per second."""
    return run.last.chars_per_sec if run.last is not None else None


def _speed_text(run: RunSummary) -> str:
    speed = _speed(run)
    if speed is None:
        return "-"
    return f"{speed / 1000:.1f}k" if speed >= 1000 else f"{speed:.0f}"


def _corpus(run: RunSummary) -> str:
    """A built-in corpus by name, a file by its name (the folder rarely tells runs apart)."""
    name = Path(run.corpus).name or run.corpus
    return name if len(name) <= 9 else name[:8] + "…"


def _saved(run: RunSummary) -> str:
    # "changed": saved once, trained since.
    return "no" if run.path is None else ("changed" if run.unsaved else "yes")


def _lr(run: RunSummary) -> str:
    """The lr the run trains at next; where F8 changed it while the run was paused (or since
    stopped) and it has not trained at it yet, the one it trained at first, as the status
    line's "lr 100→30 on resume" and the labels' arrow write it: "100→30"."""
    now = rate_text(run.config.lr)
    return now if run.paused_lr is None else f"{rate_text(run.paused_lr)}→{now}"


def _clip(run: RunSummary) -> str:
    clip = run.config.clip
    return "off" if clip is None else rate_text(clip)


def _count(n: int) -> str:
    """A count in at most 4 characters: 250, 12k, 10M, 3e12."""
    if n < 10_000:
        return str(n)
    for scale, suffix in ((1_000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
        if n < 1000 * scale:
            return f"{n // scale}{suffix}"
    return f"{n:.0e}".replace("e+", "e")


def _epoch_text(epoch: int, target: int, room: int) -> str:
    """"12/250"; counts shortened when that does not fit in `room` ("160/10M"); where that
    does not either, the epoch and "/…" ("1207/…": cut, it read "1207/10…", a target of ten
    and some; the status line has the whole target)."""
    full = f"{epoch}/{target}"
    if len(full) <= room:
        return full
    short = f"{_count(epoch)}/{_count(target)}"
    return short if len(short) <= room else f"{_count(epoch)}/…"


def fitted(column: Column, run: RunSummary) -> str:
    """The column's text for the run in its width less the space that parts it from the next
    column ("…" ends a cut one): columns never touch, whatever a run holds."""
    text = column.text(run)
    room = column.width - 1
    return text if cell_len(text) <= room else set_cell_size(text, room - 1) + "…"


def _setting(name: str, width: int, text: Callable[[RunSummary], str],
             order: Callable[[RunSummary], object] | None = None,
             compared: Callable[[RunSummary], str] | None = None,
             widens: bool = False) -> Column:
    return Column(name, width, text, order or text, setting=True, compared=compared,
                  widens=widens)


# The header of the label column names the table's keys that Help does not show beside it.
LABEL = Column("run · F3 clears · s sorts", 27, lambda run: run.label, lambda run: run.id)
SETTINGS = (
    _setting("model", 8, lambda run: run.config.model),
    _setting("opt", 5, lambda run: run.config.optimizer_name),
    # An lr waiting for a paused run's resume ("100→30") takes more than 6 cells: cut, it read
    # "100…".
    _setting("lr", 6, _lr, lambda run: run.config.lr, lambda run: rate_text(run.config.lr),
             widens=True),
    _setting("hidden", 7, lambda run: str(run.config.hidden), lambda run: run.config.hidden),
    _setting("layers", 7, lambda run: str(run.config.layers), lambda run: run.config.layers),
    _setting("φ", 5, lambda run: run.config.nonlinearity),
    _setting("steps", 6, lambda run: str(run.config.num_steps),
             lambda run: run.config.num_steps),
    _setting("batch", 6, lambda run: str(run.config.batch_size),
             lambda run: run.config.batch_size),
    _setting("clip", 6, _clip, lambda run: run.config.clip),
    _setting("sampling", 12, lambda run: run.config.sampling),
    _setting("corpus", 10, _corpus),
    _setting("device", 7, lambda run: run.device),
)
# The epoch column shows the target too ("12/250"): the epochs setting has no column of its own.
NUMBERS = (
    Column("status", 9, lambda run: str(run.state), lambda run: str(run.state)),
    Column("epoch", 9, lambda run: _epoch_text(run.epoch, run.config.epochs, 8),
           lambda run: run.epoch),
    Column("ppl", 7, lambda run: _ppl(run.perplexity), lambda run: _finite(run.perplexity)),
    Column("held-out", 9, lambda run: _ppl(_held_out(run)), lambda run: _finite(_held_out(run))),
    Column("best h-o", 9, lambda run: _ppl(run.best_val_perplexity),
           lambda run: _finite(run.best_val_perplexity)),
    Column("speed", 7, _speed_text, _speed),  # characters per second, the last epoch's
    Column("saved", 8, _saved, _saved),
)
# Numbers that leave before a differing setting does, in this order.
GIVE_WAY = ("saved", "speed", "best h-o")
# Shared settings that stay longest: the lr is what a learner changes first, and what it means
# depends on the optimizer (SGD 100 and Adam 1e-3 are both the book's).
KEPT_SHARED = ("lr", "opt")


def differing(runs: Sequence[RunSummary], settings: Sequence[Column]) -> tuple[Column, ...]:
    """The `settings` whose values (as shown) are not the same for every run."""
    return tuple(c for c in settings if len({(c.compared or c.text)(run) for run in runs}) > 1)


def _widened(column: Column, runs: Sequence[RunSummary]) -> Column:
    """The column, wide enough for its every cell and the space after, where it widens."""
    need = max((cell_len(column.text(run)) + 1 for run in runs), default=0)
    return column if need <= column.width else replace(column, width=need)


def layout(runs: Sequence[RunSummary], room: int) -> tuple[Column, ...]:
    """The columns shown in `room` cells for these runs, in the order they are shown."""
    settings = tuple(_widened(c, runs) if c.widens else c for c in SETTINGS)
    differ = differing(runs, settings)
    shared = tuple(c for c in settings if c not in differ)
    shown = [LABEL, *differ, *NUMBERS, *shared]
    by_name = {c.name: c for c in NUMBERS}
    kept = [c for c in shared if c.name in KEPT_SHARED]
    # A differing lr stays longest, then its optimizer: what the runs most likely compare.
    kept_differ = [c for name in reversed(KEPT_SHARED) for c in differ if c.name == name]
    leaving = [
        *reversed([c for c in shared if c not in kept]),
        *(by_name[name] for name in GIVE_WAY),
        *kept,  # the optimizer before the lr: the status line names it too
        *reversed([c for c in differ if c not in kept_differ]),
        *kept_differ,
    ]
    for column in leaving:
        if sum(c.width for c in shown) <= room:
            break
        shown.remove(column)
    return tuple(shown)


def sort_runs(
    runs: Sequence[RunSummary], column: Column | None, descending: bool
) -> list[RunSummary]:
    """The runs in the column's order (in the order they were made without one); runs with no
    value in it (no epoch yet) come last either way."""
    column = column or LABEL
    known = [run for run in runs if column.order(run) is not None]
    unknown = [run for run in runs if column.order(run) is None]
    # Values of one column are all numbers or all text; `id` breaks ties the same way each time.
    known.sort(key=lambda run: (column.order(run), run.id), reverse=descending)
    return known + unknown
