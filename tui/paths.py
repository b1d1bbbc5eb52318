"""Paths and times as the user types and reads them: save-as names, short paths, local times."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

from rich.cells import cell_len

SUFFIX = ".rnnplay"


def resolve_save_path(text: str, save_dir: Path) -> Path:
    """What the user typed in "save as": a bare name goes into the save folder, and a file
    name without a suffix gets .rnnplay (so the load screen lists it).

    Called on every keystroke, so any text at all must give a path, never an error: "/", "./"
    or "~/" name a folder, which the caller refuses with a message.
    """
    stripped = text.strip()
    path = Path(stripped).expanduser()
    names_a_file = bool(path.name) and path.name not in (".", "..") and not stripped.endswith("/")
    if names_a_file and not path.suffix:
        path = path.with_name(path.name + SUFFIX)
    if names_a_file and not path.is_absolute() and len(path.parts) == 1:
        path = save_dir / path
    return path


def save_target_note(path: Path) -> tuple[str, bool]:
    """What to tell the user about saving to `path`, and whether it can be saved to."""
    try:
        if path.is_dir():
            return "that is a folder: add a file name", False
        if path.exists() and not path.is_file():
            return f"{path.name} is not a regular file: choose another name", False
        if path.exists():
            return f"{path.name} exists and will be replaced", True
    except OSError as exc:  # a name too long, a folder we may not read
        return f"cannot use that path: {exc.strerror or exc}", False
    return "", True


def shown_path(path: Path | str) -> str:
    """A path as short as it can be shown: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def broken_path(path: str, room: int) -> str:
    """`path` in lines of at most `room` cells where it can be, broken only after a "/", "-",
    "_" or "." (a notification wraps at spaces, and cut a file name mid-word where it had none)."""
    lines, line = [], ""
    for part in re.findall(r"[^/\-_.]*[/\-_.]?", path):
        if line and cell_len(line + part) > room:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def local_time(saved_at: str, year: bool = True) -> str:
    """'2026-01-01T12:00:00Z' (UTC, as sessions store it) as local 'YYYY-MM-DD HH:MM', or
    'MM-DD HH:MM' without the year."""
    try:
        local = datetime.fromisoformat(saved_at).astimezone()
    except (ValueError, OverflowError):
        return printable(saved_at) or "?"
    return local.strftime("%Y-%m-%d %H:%M" if year else "%m-%d %H:%M")


def printable(text: str) -> str:
    """`text` with what a terminal would act on rather than show (control characters: ESC,
    BEL, a newline; format characters; a file name's undecodable bytes) written as escapes,
    "\\x1b": a file name can hold any of them, and written raw they broke the dialog's border."""
    return "".join(
        ch if unicodedata.category(ch) not in _UNPRINTABLE else ascii(ch)[1:-1] for ch in text
    )


_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
