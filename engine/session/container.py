"""The session container: a plain safetensors file whose metadata carries rnnplay's checksums.

The safetensors package writes the file (safetensors.torch.save) and parses it
(safetensors.safe_open, on a memory map, so no tensor byte is read until a tensor is asked
for). Its reader already refuses a header that is not JSON, too large, with unknown dtypes,
with offsets that do not match the shapes, overlap or leave gaps, or that does not cover the
file exactly (truncated, or bytes added at the end). What it lacks, added here:

- checksums: `meta_sha256` over the meta document, `data_sha256` over the tensor bytes
  (safetensors checks neither, so a flipped bit in the data would load silently);
- refusing what is not a regular file before opening it (a FIFO would block the open), naming
  the usual foreign files (pickle, zip), and caps on the header, the tensor count and the file;
- the format tag and version.

`__metadata__` (safetensors metadata values are strings):

    format          the format tag ("rnnplay-session")
    format_version  "2"
    meta            one JSON document, ASCII-only (\\u escapes), checked by meta_sha256
    meta_sha256     hex SHA-256 of the meta string
    data_sha256     version 2: hex SHA-256 of every tensor's raw bytes (little-endian, C order),
                    tensors taken in name order; it is computed tensor by tensor while loading,
                    so reading never needs the whole file in memory. Version 1 (rnnplay before
                    this package) hashed the file's data section as a whole; it is still read,
                    streaming that section from disk.

Nothing here can execute code from a file: no pickle, no torch.load.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

# Far above any real session (a 2-layer LSTM with 1024 units is a few dozen tensors, a header
# well under 1 MiB); low enough that a hostile header cannot make us allocate much.
MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_TENSORS = 10_000
# What a user who gave another file or a folder is told: what a session file is, and where one
# comes from (the bare "truncated" and "Is a directory" named neither).
_WHAT = ".rnnplay file saved by the app's ctrl+s or by rnnplay train --save"
NOT_A_SESSION = f"not an rnnplay session file (a session is a {_WHAT})"
FOLDER = (f"it is a folder, not a session file: give a {_WHAT} (a sweep's folder opens in the "
          "app: rnnplay --load FOLDER)")
# A session must fit in memory to be loaded; a larger file is refused before it is mapped.
MAX_FILE_BYTES = 16 * 1024**3
_CHUNK = 1024 * 1024
ASCII_NUMBER = re.compile(r"[0-9]{1,5}")  # a format version as written

# The dtypes a manifest names, spelled as safetensors spells them.
DTYPE_NAMES: dict[torch.dtype, str] = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
class SafeFileError(ValueError):
    """The file is not a valid container; the message names the problem for a user."""


@dataclass(frozen=True)
class Header:
    format: str
    version: int
    meta: dict[str, Any]  # the decoded meta document (verified against meta_sha256)
    index: dict[str, tuple[str, tuple[int, ...]]]  # tensor name -> (dtype, shape)
    data_sha256: str


# ----------------------------------------------------------------------------- writing


def encode_container(
    tensors: dict[str, torch.Tensor], meta: dict[str, Any], *, fmt: str, version: int
) -> bytes:
    """The whole file as bytes (copies every tensor now, so they may change afterwards)."""
    plain = {n: t.detach().to("cpu").contiguous() for n, t in tensors.items()}
    for name, t in plain.items():
        if t.dtype not in DTYPE_NAMES:
            raise SafeFileError(f"cannot save tensor {name!r} of dtype {t.dtype}")
    # ensure_ascii: non-BMP and odd characters (lone surrogates in lyrics, emoji) survive as
    # \\u escapes instead of breaking the UTF-8 header for other readers.
    meta_json = json.dumps(meta, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    digest = hashlib.sha256()
    for name in sorted(plain):
        digest.update(_raw(plain[name]))
    metadata = {
        "format": fmt,
        "format_version": str(version),
        "meta": meta_json,
        "meta_sha256": _sha256(meta_json.encode("ascii")),
        "data_sha256": digest.hexdigest(),
    }
    try:
        return save(plain, metadata=metadata)
    except (RuntimeError, ValueError) as e:  # e.g. two names for one tensor's memory
        raise SafeFileError(str(e).splitlines()[0]) from None


def _raw(t: torch.Tensor) -> memoryview:
    # Raw bytes without a copy; safetensors stores exactly these (little-endian hosts).
    return memoryview(t.reshape(-1).view(torch.uint8).numpy())


def _sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- reading


class Container:
    """An open container: the checked header, and the tensors on demand (see open_container)."""

    def __init__(self, header: Header, reader: Any, file: Any, data_start: int) -> None:
        self.header = header
        self._reader, self._file, self._data_start = reader, file, data_start

    def tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor (on the CPU), the data checksum verified."""
        digest = hashlib.sha256()
        out: dict[str, torch.Tensor] = {}
        for name in sorted(self.header.index):
            try:
                # safetensors hands out views of one mapping of the whole file, at offsets with
                # no alignment; a copy owns aligned memory (the same kernels, so the same
                # numbers, as the run that saved it) and no longer depends on the file.
                out[name] = self._reader.get_tensor(name).clone()
            except SafetensorError as e:
                raise SafeFileError(_explain(e)) from None
            except RuntimeError as e:  # torch's allocator: "DefaultCPUAllocator: not enough..."
                if "alloc" not in str(e):
                    raise
                raise MemoryError from None
            if self.header.version >= 2:
                digest.update(_raw(out[name]))
        if self.header.version == 1:
            self._file.seek(self._data_start)
            while chunk := self._file.read(_CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != self.header.data_sha256:
            raise SafeFileError(
                "tensor data checksum mismatch: the file is corrupt (damaged or incompletely "
                "copied)"
            )
        return out


@contextlib.contextmanager
def open_container(
    path: Path, *, fmt: str, max_version: int, check_room: Callable[[int], None] | None = None
) -> Iterator[Container]:
    """Open and check a container's header; tensors are read only by Container.tensors().
    check_room(file size), called before the file is mapped, may refuse it (SafeFileError)."""
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        header_length = _check_prefix(f, size)
        if check_room is not None:
            check_room(size)
        # safetensors opens by name; /proc/self/fd names the very file checked above, so it
        # cannot be swapped for a FIFO in between (elsewhere the path is all we have).
        by_fd = Path(f"/proc/self/fd/{f.fileno()}")
        try:
            reader = safe_open(str(by_fd if by_fd.exists() else path), framework="pt")
        except SafetensorError as e:
            raise SafeFileError(_explain(e)) from None
        except RuntimeError as e:  # mapping the file failed (address space, memory limits)
            raise SafeFileError(f"cannot map it into memory: {str(e).splitlines()[0]}") from None
        with reader:
            header = _check_header(reader, fmt=fmt, max_version=max_version)
            yield Container(header, reader, f, 8 + header_length)


def read_header(path: Path, *, fmt: str, max_version: int) -> Header:
    """The checked header only (cheap: never reads tensor data)."""
    with open_container(path, fmt=fmt, max_version=max_version) as c:
        return c.header


@contextlib.contextmanager
def _open_regular(path: Path) -> Iterator[Any]:
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SafeFileError("no such file") from None
    except IsADirectoryError:
        raise SafeFileError(FOLDER) from None
    except OSError as e:
        raise SafeFileError(f"cannot open it: {e.strerror or e}") from None
    # Checked before fdopen, which refuses a folder with a bare "Is a directory".
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise SafeFileError(FOLDER if stat.S_ISDIR(mode) else "it is not a regular file")
    with os.fdopen(fd, "rb") as f:
        yield f


def _check_prefix(f: Any, size: int) -> int:
    """What safetensors does not say in words: empty, foreign and oversized files. Returns the
    declared header length."""
    if size == 0:
        raise SafeFileError("the file is empty (0 bytes)")
    first = f.read(9)
    if len(first) < 9 or first[8:9] != b"{":  # every safetensors header is a JSON object
        _reject_foreign(first)
        # A session cut short still starts with a header length one may have (at most
        # MAX_HEADER_BYTES, a multiple of 8: safetensors pads its header); a short text file
        # ("我", 3 bytes) mostly does not, and "truncated" sent its user looking for a damaged
        # save.
        declared = int.from_bytes(first[:8], "little")
        if len(first) < 9 and declared <= MAX_HEADER_BYTES and declared % 8 == 0:
            raise SafeFileError(f"truncated: only {size} bytes, too short for a header")
        raise SafeFileError(NOT_A_SESSION)
    (n,) = struct.unpack("<Q", first[:8])
    if n > MAX_HEADER_BYTES:
        raise SafeFileError(
            f"declares a {n}-byte header (limit {MAX_HEADER_BYTES}): corrupt or not a session"
        )
    if 8 + n > size:
        raise SafeFileError(f"truncated: the header needs {8 + n} bytes but the file has {size}")
    if size > MAX_FILE_BYTES:
        raise SafeFileError(
            f"the file is {size / 1024**3:.1f} GiB, over the {MAX_FILE_BYTES // 1024**3} GiB "
            "a session may take: corrupt or not a session"
        )
    return n


def _reject_foreign(first: bytes) -> None:
    # Name the usual suspects so a user knows what they picked, and never try to read them.
    if first[:1] == b"\x80" and first[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise SafeFileError("it is a Python pickle, which rnnplay never loads (it can run code)")
    if first[:4] == b"PK\x03\x04":
        raise SafeFileError(
            "it is a zip archive (e.g. torch.save output), which rnnplay never loads"
        )


def _explain(e: SafetensorError) -> str:
    detail = str(e).splitlines()[0] if str(e) else type(e).__name__
    detail = detail.removeprefix("Error while deserializing header: ")
    return f"the file is damaged or truncated (safetensors: {detail[:200]})"


def _check_header(reader: Any, *, fmt: str, max_version: int) -> Header:
    names = reader.keys()
    if len(names) > MAX_TENSORS:
        raise SafeFileError(f"declares {len(names)} tensors (limit {MAX_TENSORS}): corrupt")
    version, meta, data_sha = _check_metadata(reader.metadata(), fmt=fmt, max_version=max_version)
    index = {}
    for name in names:
        part = reader.get_slice(name)
        shape = tuple(part.get_shape())
        # A zero-size tensor takes no bytes whatever its other dimensions, so safetensors lets
        # any through; torch cannot even describe one of 2**63 (a TypeError from C++).
        if any(d > MAX_FILE_BYTES for d in shape):
            raise SafeFileError(
                f"tensor {name[:80]!r} declares a dimension of {max(shape)}, more than any "
                "session holds: corrupt or not a session"
            )
        index[name] = (part.get_dtype(), shape)
    return Header(fmt, version, meta, index, data_sha)


def _check_metadata(meta: Any, *, fmt: str, max_version: int) -> tuple[int, dict[str, Any], str]:
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise SafeFileError(f"not an rnnplay session (no {fmt!r} tag in its metadata)")
    version_text = meta.get("format_version")
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses or reads
    if not (isinstance(version_text, str) and ASCII_NUMBER.fullmatch(version_text)):
        raise SafeFileError("the format version is missing or unreadable: corrupt")
    version = int(version_text)
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
    doc = _parse_json(text)
    if not isinstance(doc, dict):
        raise SafeFileError("the metadata is not a JSON object: corrupt")
    return version, doc, meta["data_sha256"]


def _parse_json(text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(pairs)
        if len(d) != len(pairs):
            raise ValueError("duplicate key")
        return d

    def no_constants(name: str) -> Any:
        raise ValueError(f"non-standard constant {name}")

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (ValueError, RecursionError):
        raise SafeFileError("the metadata is not valid JSON: corrupt") from None

