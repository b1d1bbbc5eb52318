"""Numbers as the panes print them: short enough for their columns whatever training does.

A diverging run sends perplexities to 1e17 and beyond; printed in full they overran the runs
table's columns and the status line.
"""

from __future__ import annotations

import math


def perplexity_text(value: float) -> str:
    """At most 7 characters: 2 decimals below 1000, then thousands, then powers of ten."""
    if not math.isfinite(value):
        return "inf" if value > 0 else "nan"
    if value < 1000:
        return f"{value:.2f}"
    if value < 999_950:  # what would round to "1000.0k" is said as 1.0e+06
        return f"{value / 1000:.1f}k"
    return f"{value:.1e}"


def tick_text(value: float) -> str:
    """An axis tick: 3 significant digits, thousands as k, a power of ten past a million."""
    if value >= 1e6:
        return f"{value:.0e}"
    if value >= 1000:
        return f"{value / 1000:.3g}k"
    return f"{value:.3g}"
