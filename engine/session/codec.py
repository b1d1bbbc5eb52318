"""Splitting a nested state (dicts, lists, tuples, numbers, strings, tensors) into JSON + tensors.

A trainer's state (trainer_state.py) mixes tensors (weights, optimizer moments, RNG states)
with plain values (counters, history, python's RNG tuple). Tensors go to the safetensors part
under a path-like name; everything else stays JSON. JSON alone would lose three things exact
resume depends on, so they are tagged (a tag is an object with exactly one key):

    {"__tensor__": "trainer/model/W_xh"}     a tensor stored under that name
    {"__tuple__": [...]}                     a tuple (random.setstate insists on tuples)
    {"__dict__": [[key, value], ...]}        a dict with non-string keys (optimizer state is
                                             keyed by int) or one that would look like a tag
    {"__float__": "nan" | "inf" | "-inf"}    non-finite floats, which strict JSON cannot hold
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

TAGS = ("__tensor__", "__tuple__", "__dict__", "__float__")
MAX_DEPTH = 64  # far deeper than any real state; stops a crafted file from recursing forever


class CodecError(ValueError):
    """A value cannot be encoded, or an encoded document is malformed."""


def encode(value: Any, prefix: str = "") -> tuple[Any, dict[str, torch.Tensor]]:
    """(JSON-safe document, tensors by name) for a nested value."""
    tensors: dict[str, torch.Tensor] = {}
    return _encode(value, prefix, tensors, 0), tensors


def decode(doc: Any, tensors: Mapping[str, Any]) -> tuple[Any, set[str]]:
    """The value back, and the names of the tensors it used (tensors: the values to put in
    place of each {"__tensor__": name}: tensors, or descriptions of unread ones)."""
    used: set[str] = set()
    return _decode(doc, tensors, used, 0), used


def _encode(value: Any, path: str, tensors: dict[str, torch.Tensor], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError(f"state nested too deeply at {path!r}")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, torch.Tensor):
        name = _unique(path or "tensor", tensors)
        tensors[name] = value.detach()
        return {"__tensor__": name}
    if isinstance(value, tuple):
        return {"__tuple__": _encode_items(value, path, tensors, depth)}
    if isinstance(value, list):
        return _encode_items(value, path, tensors, depth)
    if isinstance(value, dict):
        return _encode_dict(value, path, tensors, depth)
    raise CodecError(f"cannot save a {type(value).__name__} (at {path or 'top level'!r})")


def _encode_items(
    items: list[Any] | tuple[Any, ...], path: str, tensors: dict[str, torch.Tensor], depth: int
) -> list[Any]:
    return [_encode(v, _join(path, str(i)), tensors, depth + 1) for i, v in enumerate(items)]


def _encode_dict(
    value: dict[Any, Any], path: str, tensors: dict[str, torch.Tensor], depth: int
) -> Any:
    if any(isinstance(k, torch.Tensor) for k in value):
        raise CodecError(f"cannot save a dict keyed by tensors (at {path or 'top level'!r})")
    plain = all(isinstance(k, str) for k in value) and not (
        len(value) == 1 and next(iter(value)) in TAGS
    )
    if plain:
        return {k: _encode(v, _join(path, k), tensors, depth + 1) for k, v in value.items()}
    return {
        "__dict__": [
            [_encode(k, path, {}, depth + 1), _encode(v, _join(path, str(k)), tensors, depth + 1)]
            for k, v in value.items()
        ]
    }


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def _unique(name: str, taken: dict[str, torch.Tensor]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}#{n}" in taken:
        n += 1
    return f"{name}#{n}"


def _decode(doc: Any, tensors: Mapping[str, Any], used: set[str], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError("state nested too deeply")
    if doc is None or isinstance(doc, bool | int | float | str):
        return doc
    if isinstance(doc, list):
        return [_decode(v, tensors, used, depth + 1) for v in doc]
    if not isinstance(doc, dict):
        raise CodecError(f"unexpected {type(doc).__name__} in the state")
    if len(doc) == 1 and next(iter(doc)) in TAGS:
        return _decode_tag(*next(iter(doc.items())), tensors, used, depth)
    return {k: _decode(v, tensors, used, depth + 1) for k, v in doc.items()}


def _decode_tag(
    tag: str, body: Any, tensors: Mapping[str, Any], used: set[str], depth: int
) -> Any:
    if tag == "__tensor__":
        if not isinstance(body, str) or body not in tensors:
            raise CodecError(f"the state refers to a missing tensor {str(body)[:80]!r}")
        used.add(body)
        return tensors[body]
    if tag == "__float__":
        values = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
        if body not in values:
            raise CodecError("malformed float in the state")
        return values[body]
    if not isinstance(body, list):
        raise CodecError(f"malformed {tag} in the state")
    if tag == "__tuple__":
        return tuple(_decode(v, tensors, used, depth + 1) for v in body)
    # __dict__: pairs of [key, value]; keys must be hashable (str, int, float, bool, tuple...)
    out: dict[Any, Any] = {}
    for pair in body:
        if not isinstance(pair, list) or len(pair) != 2:
            raise CodecError("malformed dict in the state")
        key = _decode(pair[0], {}, set(), depth + 1)
        try:
            out[key] = _decode(pair[1], tensors, used, depth + 1)
        except TypeError:
            raise CodecError("unhashable dict key in the state") from None
    return out
