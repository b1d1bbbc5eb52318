"""A number a user typed, read the same way for every setting and the commands' own counts."""

from __future__ import annotations

import re

# Numbers as typed: ASCII digits only. int() and float() also take "٣", "１０" and "1_0", which
# nobody types meaning a number; inf and nan stay words float() knows, for the bounds to refuse.
WHOLE = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)",
                     re.IGNORECASE)
# Beyond every setting's bounds, and far below the 4,300 digits past which int() gives up.
MAX_DIGITS = 40


def parse_whole(text: str) -> int:
    """A whole number typed in ASCII digits, with a sign or not; ValueError if it is not one,
    OverflowError (saying how many digits) if it has more digits than any setting allows."""
    text = text.strip()
    if not WHOLE.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    digits = len(text.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise OverflowError(f"a {digits:,}-digit number")
    return int(text)


def parse_decimal(text: str) -> float:
    """A number typed in ASCII (1, 0.5, 1e-3, inf); ValueError if it is not one."""
    text = text.strip()
    if not DECIMAL.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)
