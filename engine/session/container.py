"""A checksummed safetensors container: its byte layout, its encoding, and reading it with guards.

The layout is plain safetensors (any safetensors reader can open the tensors):

    bytes 0..8        u64 little-endian N: length of the JSON header
    bytes 8..8+N      JSON header, ASCII only, space-padded to a multiple of 8 bytes:
                      {"__metadata__": {"format": <tag>, "format_version": "<int>",
                                        "meta": "<JSON document as one string>",
                                        "meta_sha256": "<hex of the meta string's bytes>",
                                        "data_sha256": "<hex of all tensor bytes>"},
                       "<tensor name>": {"dtype": "F32", "shape": [..], "data_offsets": [a, b]},
                       ...}
    bytes 8+N..end    tensor data, little-endian, tensors back to back with no gaps

Every byte that matters is covered: the tensor bytes by data_sha256, the meta document by
meta_sha256, and the header's tensor index is checked against the manifest that the meta
document carries (see engine/session/__init__.py). Safetensors itself checks neither, so a
flipped bit in tensor data would otherwise load silently.

Reading never trusts the file: the header length, JSON, tensor count, ranks, shapes, dtypes and
offsets are all checked against fixed limits and the real file size before anything is
allocated or handed to safetensors.torch.load. Nothing here can execute code from a file: no
pickle, no torch.load.

encode_container only builds the bytes; engine/atomic_write.py puts them on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

# Limits far above any real session (a 2-layer LSTM with 1024 units is a few dozen tensors and a
# header well under 1 MiB) but low enough that a hostile header cannot make us allocate much.
MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_TENSORS = 10_000
MAX_RANK = 8

DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
DTYPE_NAMES: dict[torch.dtype, str] = {v: k for k, v in DTYPES.items()}
ITEM_SIZES = {name: torch.empty(0, dtype=dt).element_size() for name, dt in DTYPES.items()}


class SafeFileError(ValueError):
    """The file is not a valid container; the message names the problem for a user."""


@dataclass(frozen=True)
class Header:
    format: str
    version: int
    meta: dict[str, Any]  # the decoded meta document (verified against meta_sha256)
    index: dict[str, tuple[str, tuple[int, ...]]]  # tensor name -> (dtype, shape)
    data_sha256: str
    data_start: int  # file offset of the tensor data
    data_length: int


# ----------------------------------------------------------------------------- encoding


def tensor_bytes(t: torch.Tensor) -> bytes:
    """Raw little-endian bytes of a tensor in C order (any device, any layout)."""
    flat = t.detach().to("cpu").contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def encode_container(
    tensors: dict[str, torch.Tensor], meta: dict[str, Any], *, fmt: str, version: int
) -> bytes:
    """The whole file as bytes: header (with checksums) followed by the tensor data."""
    if sys.byteorder != "little":  # safetensors is little-endian; we copy raw memory
        raise SafeFileError("saving needs a little-endian machine")
    # Widest items first, as safetensors' own writer does, so every tensor stays aligned.
    names = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header: dict[str, Any] = {}
    chunks: list[bytes] = []
    offset = 0
    for name in names:
        t = tensors[name]
        if t.dtype not in DTYPE_NAMES:
            raise SafeFileError(f"cannot save tensor {name!r} of dtype {t.dtype}")
        raw = tensor_bytes(t)
        header[name] = {
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    # ensure_ascii: non-BMP and odd characters (lone surrogates in lyrics, emoji) survive as
    # \\u escapes instead of breaking the UTF-8 header for other readers.
    meta_json = json.dumps(meta, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    header = {
        "__metadata__": {
            "format": fmt,
            "format_version": str(version),
            "meta": meta_json,
            "meta_sha256": _sha256(meta_json.encode("ascii")),
            "data_sha256": _sha256(data),
        },
        **header,
    }
    head = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + data


def _sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- reading


def read_header(path: Path, *, fmt: str, max_version: int) -> Header:
    """Parse and check the header only (cheap: never reads tensor data)."""
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        return _parse_header(f, size, fmt=fmt, max_version=max_version)


def read_container(
    path: Path, *, fmt: str, max_version: int
) -> tuple[Header, dict[str, torch.Tensor]]:
    """Header and tensors (on CPU), every check and both checksums verified."""
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        header = _parse_header(f, size, fmt=fmt, max_version=max_version)
        f.seek(0)
        # The size was checked against the header's own accounting, so this read is bounded by
        # what a valid file of this shape must hold.
        blob = f.read(size)
    if len(blob) != size:
        raise SafeFileError("the file changed size while being read")
    data = memoryview(blob)[header.data_start :]
    if _sha256(data) != header.data_sha256:
        raise SafeFileError(
            "tensor data checksum mismatch: the file is corrupt (damaged or incompletely copied)"
        )
    tensors = _safetensors_load(blob)
    _check_loaded(tensors, header)
    return header, tensors


@contextlib.contextmanager
def _open_regular(path: Path):  # type: ignore[no-untyped-def]
    try:
        # Checked before opening: opening a FIFO would block until someone writes to it.
        if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):
            raise SafeFileError("it is not a regular file")
        f = open(path, "rb")  # noqa: SIM115 - closed by the context manager below
    except FileNotFoundError:
        raise SafeFileError("no such file") from None
    except IsADirectoryError:
        raise SafeFileError("it is a directory, not a file") from None
    except OSError as e:
        raise SafeFileError(f"cannot open it: {e.strerror or e}") from None
    with f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise SafeFileError("it is not a regular file")
        yield f


def _parse_header(f: Any, size: int, *, fmt: str, max_version: int) -> Header:
    if size == 0:
        raise SafeFileError("the file is empty (0 bytes)")
    first = f.read(9)
    if len(first) < 9:
        _reject_foreign(first)
        raise SafeFileError(f"truncated: only {size} bytes, too short for a header")
    if first[8:9] != b"{":  # every safetensors header is a JSON object
        _reject_foreign(first)
        raise SafeFileError("not a session file (no safetensors header)")
    (n,) = struct.unpack("<Q", first[:8])
    if n > MAX_HEADER_BYTES:
        raise SafeFileError(
            f"declares a {n}-byte header (limit {MAX_HEADER_BYTES}): corrupt or not a session"
        )
    if n < 2:
        raise SafeFileError(f"declares a {n}-byte header: corrupt or not a session")
    if 8 + n > size:
        raise SafeFileError(f"truncated: the header needs {8 + n} bytes but the file has {size}")
    f.seek(8)
    raw = f.read(n)
    obj = _parse_json(raw, "header")
    if not isinstance(obj, dict):
        raise SafeFileError("the header is not a JSON object: corrupt or not a session")
    meta = obj.pop("__metadata__", None)
    version, meta_doc, data_sha = _check_metadata(meta, fmt=fmt, max_version=max_version)
    index, data_length = _check_index(obj)
    expected = 8 + n + data_length
    if size < expected:
        raise SafeFileError(f"truncated: {size} bytes of the {expected} the header declares")
    if size > expected:
        raise SafeFileError(f"{size - expected} unexpected bytes after the data: corrupt")
    return Header(fmt, version, meta_doc, index, data_sha, 8 + n, data_length)


def _reject_foreign(first: bytes) -> None:
    # Name the usual suspects so a user knows what they picked, and never try to read them.
    if first[:1] == b"\x80" and first[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise SafeFileError("it is a Python pickle, which rnnplay never loads (it can run code)")
    if first[:4] == b"PK\x03\x04":
        raise SafeFileError(
            "it is a zip archive (e.g. torch.save output), which rnnplay never loads"
        )


def _parse_json(raw: bytes, what: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(pairs)
        if len(d) != len(pairs):
            raise ValueError("duplicate key")
        return d

    def no_constants(name: str) -> Any:
        raise ValueError(f"non-standard constant {name}")

    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SafeFileError(f"the {what} is not valid JSON: corrupt or not a session") from None


def _check_metadata(meta: Any, *, fmt: str, max_version: int) -> tuple[int, dict[str, Any], str]:
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise SafeFileError(f"not an rnnplay session (no {fmt!r} tag in its metadata)")
    try:
        version = int(meta["format_version"])
    except (KeyError, TypeError, ValueError):
        raise SafeFileError("the format version is missing or unreadable: corrupt") from None
    if version > max_version:
        raise SafeFileError(
            f"saved in format version {version}, newer than this rnnplay reads (up to "
            f"{max_version}): upgrade rnnplay to open it"
        )
    if version < 1:
        raise SafeFileError(f"unknown format version {version}: corrupt")
    fields = ("meta", "meta_sha256", "data_sha256")
    if not all(isinstance(meta.get(k), str) for k in fields):
        raise SafeFileError("the metadata is incomplete: corrupt")
    text = meta["meta"]
    if not text.isascii() or _sha256(text.encode("ascii")) != meta["meta_sha256"]:
        raise SafeFileError("metadata checksum mismatch: the file is corrupt")
    doc = _parse_json(text.encode("ascii"), "metadata")
    if not isinstance(doc, dict):
        raise SafeFileError("the metadata is not a JSON object: corrupt")
    return version, doc, meta["data_sha256"]


def _check_index(obj: dict[str, Any]) -> tuple[dict[str, tuple[str, tuple[int, ...]]], int]:
    """Validate every tensor entry; offsets must tile the data exactly. Returns data length."""
    if len(obj) > MAX_TENSORS:
        raise SafeFileError(f"declares {len(obj)} tensors (limit {MAX_TENSORS}): corrupt")
    index: dict[str, tuple[str, tuple[int, ...]]] = {}
    spans: list[tuple[int, int, str]] = []
    for name, entry in obj.items():
        dtype, shape, start, end = _check_entry(name, entry)
        index[name] = (dtype, shape)
        spans.append((start, end, name))
    spans.sort()
    position = 0
    for start, end, name in spans:
        if start != position:
            raise SafeFileError(f"tensor {name!r} has overlapping or gapped offsets: corrupt")
        position = end
    return index, position


def _check_entry(name: str, entry: Any) -> tuple[str, tuple[int, ...], int, int]:
    bad = SafeFileError(f"tensor {name[:80]!r} has an invalid description: corrupt")
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise bad
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPES or not isinstance(shape, list) or len(shape) > MAX_RANK:
        raise bad
    if not all(type(d) is int and d >= 0 for d in shape):
        raise bad
    if not isinstance(offsets, list) or len(offsets) != 2:
        raise bad
    start, end = offsets
    if not (type(start) is int and type(end) is int and 0 <= start <= end):
        raise bad
    # Python ints: a hostile shape cannot overflow this product.
    if (end - start) != math.prod(shape) * ITEM_SIZES[dtype]:
        raise SafeFileError(f"tensor {name[:80]!r}: its shape does not match its size: corrupt")
    return dtype, tuple(shape), start, end


def _safetensors_load(blob: bytes) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    try:
        return load(blob)
    except Exception as e:  # safetensors raises its own error types; all mean "corrupt"
        raise SafeFileError(f"safetensors rejected the file: {e}") from None


def _check_loaded(tensors: dict[str, torch.Tensor], header: Header) -> None:
    if set(tensors) != set(header.index):
        raise SafeFileError("the tensors do not match the header: corrupt")
    for name, (dtype, shape) in header.index.items():
        t = tensors[name]
        if t.dtype != DTYPES[dtype] or tuple(t.shape) != shape:
            raise SafeFileError(f"tensor {name!r} does not match the header: corrupt")
