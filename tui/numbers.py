"""Numbers as the panes print them: short enough for their columns whatever training does.

A diverging run sends perplexities to 1e17 and beyond; printed in full they overran the runs
table's columns and the status line.
"""

from __future__ import annotations

import math


def perplexity_text(value: float) -> str:
    """At most 6 characters (the runs table's columns are 7 wide: one space between values):
    2 decimals below 1000, then thousands, then powers of ten."""
    if not math.isfinite(value):
        return "inf" if value > 0 else "nan"
    if value < 1000:
        return f"{value:.2f}"
    if value < 999_950:  # what would round to "1000.0k" is said as 1.0e6
        return f"{value / 1000:.1f}k"
    text = _power_of_ten(value, 1)
    return text if len(text) <= 6 else _power_of_ten(value, 0)


def rate_text(value: float) -> str:
    """A learning rate in at most 5 characters (its column is 6 wide), as exact as that allows."""
    for text in (f"{value:g}", f"{value:.3g}", f"{value:.2g}"):
        if len(text) <= 5:
            return text
    return _power_of_ten(value, 0)


def _power_of_ten(value: float, decimals: int) -> str:
    """3.8e9 rather than Python's 3.8e+09."""
    mantissa, exponent = f"{value:.{decimals}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def tick_text(value: float) -> str:
    """An axis tick: 3 significant digits, thousands as k, a power of ten past a million."""
    if value >= 1e6:
        return f"{value:.0e}"
    if value >= 1000:
        return f"{value / 1000:.3g}k"
    return f"{value:.3g}"
