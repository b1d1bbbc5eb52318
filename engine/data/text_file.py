"""Reading a user's text file: regular files only, UTF-8 (or the Unicode encoding a byte-order
mark names), newlines normalised, read piece by piece within a size cap.

engine.data.corpus turns what this returns into a corpus, and its errors into CorpusError.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# Reading a whole file is refused past this size (max_chars=0); a prefix is always fine.
MAX_FILE_BYTES = 256 * 1024 * 1024
# Bytes read and decoded at a time: bounds the decoder's temporary buffers (up to 6 bytes per
# input byte once a character past U+FFFF turns up) and lets Ctrl-C in between reads.
READ_CHUNK = 1 << 18
# Byte-order marks and the encoding each one names. UTF-32-LE's begins with UTF-16-LE's, so it
# is tried first. Without a mark a file is read as UTF-8.
BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
)


class TextFileError(Exception):
    """The file cannot be read as text; str(error) is a complete message for the user.

    `field` names the setting the message tells the user to change (None: none), so each
    interface can name it as its user types it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class MissingFile(TextFileError):
    """There is no file at the path."""


def read_text_file(path: Path, max_chars: int) -> str:
    """Decoded, newline-normalised text of a user file: all of it, or its first max_chars.

    UTF-8, or UTF-16/UTF-32 when the file starts with their byte-order mark (what Windows tools
    write for "Unicode"): the mark says which, so there is nothing to guess. Newlines are kept
    (poems, code); CRLF/CR become LF so Windows files gain no '\\r' character.
    """
    with _open_regular_file(path) as fh:
        if not max_chars and os.fstat(fh.fileno()).st_size > MAX_FILE_BYTES:
            raise _too_big(path)
        head = fh.read(4)
        bom, encoding = next(((b, e) for b, e in BOMS if head.startswith(b)), (b"", "UTF-8"))
        fh.seek(len(bom))
        text = _read_text(path, fh, encoding, len(bom), max_chars)
    if not text:
        raise TextFileError(f"{path} is empty")
    return text


def _read_text(path: Path, fh: BinaryIO, encoding: str, offset: int, max_chars: int) -> str:
    """Read and decode from `offset` (just past the BOM) until EOF or max_chars characters.

    Piece by piece: the file's bytes are never all in memory next to the text, nothing is read
    past what max_chars needs, and the size cap holds even if the file grows meanwhile.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    parts: list[str] = []
    chars = 0
    after_cr = False  # the previous piece ended with CR, already turned into a newline
    while not max_chars or chars < max_chars:
        chunk = fh.read(READ_CHUNK)
        if not max_chars and offset + len(chunk) > MAX_FILE_BYTES:
            raise _too_big(path)
        if encoding == "UTF-8" and b"\x00" in chunk:
            raise TextFileError(
                f"{path} looks like a binary file (it contains NUL bytes), not text; if it is "
                f"UTF-16 text without a byte-order mark, convert it first: "
                f"iconv -f UTF-16LE -t UTF-8 {path} > {path}.utf8.txt"
            )
        try:
            piece = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            where = offset - len(decoder.getstate()[0]) + exc.start
            raise TextFileError(
                f"{path} is not {encoding} text (invalid byte at offset {where}); convert it to "
                f"UTF-8 first, e.g. iconv -f <its encoding> -t UTF-8 {path} > {path}.utf8.txt"
            ) from exc
        offset += len(chunk)
        if encoding != "UTF-8" and "\x00" in piece:
            raise TextFileError(f"{path} starts like {encoding} text but contains NUL characters: "
                              "it looks like a binary file, not text")
        if after_cr and piece.startswith("\n"):
            piece, after_cr = piece[1:], False
        if piece:
            after_cr = piece.endswith("\r")
            parts.append(normalise_newlines(piece))
            chars += len(parts[-1])
        if not chunk:
            break
    text = "".join(parts)
    return text[:max_chars] if max_chars else text


def _too_big(path: Path) -> TextFileError:
    return TextFileError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                         "set max chars to use its beginning", "max_chars")


@contextmanager
def _open_regular_file(path: Path) -> Iterator[BinaryIO]:
    """`path` opened for reading, if it is a regular file (symlinks followed); OSError of the
    caller's reads become TextFileError too.

    Anything else is refused before it is opened: a FIFO would block the open (or the read)
    until a writer comes, a device can be endless or have side effects on open.
    """
    if "\x00" in str(path):
        raise TextFileError(f"{str(path)!r} is not a file name (it contains a NUL character)")
    try:
        _check_regular(path, path.stat().st_mode)
        # Not blocking: if a FIFO was put there since the check, opening it returns at once.
        fh = open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise MissingFile(f"{path} does not exist") from None
    except OSError as exc:
        raise TextFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with fh:
        _check_regular(path, os.fstat(fh.fileno()).st_mode)
        try:
            yield fh
        except OSError as exc:
            raise TextFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise TextFileError(f"{path} is a directory; give a UTF-8 text file")
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise TextFileError(f"{path} is {kind}, not a regular file; give a UTF-8 text file "
                          "(save what it produces to a file first)")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
