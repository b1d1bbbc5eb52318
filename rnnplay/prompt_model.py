"""A saved session's model, ready to read a prompt: what `complete` and `inspect` start from."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.generation.generate import Completer
from engine.session import Session, SessionError, load_session


def open_prompt_model(path: str | Path, command: str) -> tuple[Session, Completer] | None:
    """The session and a Completer on a CPU copy of its weights (the app's prompt computation);
    None, with one line on stderr, when the file cannot be loaded."""
    try:
        session = load_session(path)
    except SessionError as err:
        print(f"rnnplay {command}: {err}", file=sys.stderr)
        return None
    return session, Completer(session.build_model("cpu"), session.vocab)
