"""The results table `rnnplay sweep` prints at the end: the trials best first, with the settings
that tell them apart, in plain columns that read the same in a terminal, over SSH or in a log."""

from __future__ import annotations

from collections.abc import Sequence

from engine.sweep.space import shown
from engine.sweep.summary import TrialRow


def results_table(rows: Sequence[TrialRow], varied: Sequence[str]) -> list[str]:
    """One line per trial under a header: rank, trial, best held-out perplexity, epochs run,
    how it ended, then each varied setting."""
    header = ["#", "trial", "val ppl", "epochs", "ended", *varied]
    body = []
    for rank, row in enumerate(rows, 1):
        ppl = "-" if row.best_val_perplexity is None else f"{row.best_val_perplexity:.2f}"
        values = ["-" if row.settings.get(name) is None else shown(name, row.settings[name])
                  for name in varied]
        body.append([str(rank), row.name, ppl, str(row.epochs), row.ended, *values])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {0, 2, 3}  # right-aligned, so their digits line up
    return [
        "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                  for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in [header, *body]
    ]
