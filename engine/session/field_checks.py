"""The checks every field of a session's meta document goes through (engine/session/schema.py,
state_schema.py): an object's exact keys, a bounded whole or real number, text a terminal can
print, a tensor of the expected dtype described by the header (a TensorSpec, not read yet).
Each failure is a SchemaError naming the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_COUNT = 2**53  # counters (epochs, steps, characters): exact in JSON, far beyond real runs
MAX_TEXT = 1_000_000  # characters in a prompt, a sample or a corpus name
# The largest number a session holds: the largest perplexity the trainer writes as a number
# (exp(700); above it writes inf). Far larger values overflow whatever uses them (an axis's
# 10**k ticks past the value), and no measurement of a run comes near.
MAX_REAL = math.exp(700)
SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: never text by itself


class SchemaError(ValueError):
    """A field holds a value a session never has; the message names the field."""


@dataclass(frozen=True)
class TensorSpec:
    """A tensor described by the header, not read yet."""

    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


def keys(
    value: Any, names: tuple[str, ...], where: str, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(f"{where} must be an object")
    if set(value) - set(optional) != set(names):
        odd = sorted(map(str, (set(value) - set(optional)) ^ set(names)))[:3]
        raise SchemaError(f"{where} has missing or unexpected fields ({', '.join(odd)})")
    return value


def whole(value: Any, where: str, low: int = 0, high: int = MAX_COUNT) -> int:
    if type(value) is not int or not low <= value <= high:
        raise SchemaError(f"{where} must be a whole number from {low} to {high}, "
                          f"not {show(value)}")
    return value


def real(value: Any, where: str, low: float = -math.inf, infinite: bool = False) -> float:
    """A number no larger than MAX_REAL either way (inf where `infinite`: the trainer writes it
    for a perplexity too large to hold); NaN never."""
    if type(value) is int:  # JSON integers have no size limit; math.isfinite would overflow
        ok = abs(value) <= MAX_REAL
    else:
        ok = type(value) is float and (abs(value) <= MAX_REAL or (infinite and value == math.inf))
    if not ok or value < low:
        least = f"{low:g}" if low > -math.inf else f"{-MAX_REAL:.3g}"
        raise SchemaError(f"{where} must be a number from {least} to {MAX_REAL:.3g}"
                          f"{' or inf' if infinite else ''}, not {show(value)}")
    return float(value)


def text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not (isinstance(value, str) and len(value) <= limit):
        raise SchemaError(f"{where} must be a text of at most {limit} characters")
    no_surrogate(value, where)
    return value


def typed_text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    """Text a user typed, saved as it was given: a lone surrogate in it comes back as U+FFFD
    (printable), rather than losing the session for one unprintable character."""
    if not (isinstance(value, str) and len(value) <= limit):
        raise SchemaError(f"{where} must be a text of at most {limit} characters")
    return SURROGATE.sub("\ufffd", value)


def no_surrogates(doc: Any) -> None:
    """Every text in the document, keys included, must be one a terminal can print.

    JSON's \\u escapes can spell half of a UTF-16 pair (U+D800 to U+DFFF) alone; Python keeps
    it in a str, which then fails the moment it is written out as UTF-8 (printing a sample,
    saving the epoch just trained), so it is refused here, before anything shows or saves it."""
    # (value, where its parent is, its key or index); a place is spelled out only for a message
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        value, place = stack.pop()
        if isinstance(value, str) and SURROGATE.search(value):
            no_surrogate(value, _spell(place))
        elif isinstance(value, list):
            stack.extend((v, (*place, i)) for i, v in enumerate(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                if SURROGATE.search(k):
                    no_surrogate(k, f"a key in {_spell(place) or 'the metadata'}")
                stack.append((v, (*place, k)))


def _spell(place: tuple[str | int, ...]) -> str:
    """("trainer", "samples", 0, "prefix") -> "trainer.samples[0].prefix"."""
    out = ""
    for key in place:
        out += f"[{key}]" if isinstance(key, int) else f".{key}" if out else key
    return out


def no_surrogate(text: str, where: str) -> None:
    found = SURROGATE.search(text)
    if found:
        raise SchemaError(f"{where} holds a lone surrogate (U+{ord(found.group()):04X}), which "
                          "is not text: the file was crafted or damaged")


def tensor(value: Any, where: str, dtypes: tuple[str, ...]) -> TensorSpec:
    if not isinstance(value, TensorSpec) or value.dtype not in dtypes:
        raise SchemaError(f"{where} must be a tensor of {' or '.join(dtypes)}")
    return value


def bytes_tensor(value: Any, where: str, limit: int) -> None:
    t = tensor(value, where, ("U8",))
    if len(t.shape) != 1 or t.numel > limit:
        raise SchemaError(f"{where} is not a generator state")


def show(value: Any) -> str:
    text = repr(value) if not isinstance(value, TensorSpec) else "a tensor"
    return text if len(text) <= 40 else text[:37] + "..."
