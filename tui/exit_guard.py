"""The last word on leaving, for the real launcher only (never in tests).

Seen here: when the terminal vanishes (an SSH drop, tmux killed), Textual's output thread dies on
its next write and its shutdown then blocks forever on a full output queue, so the process
lingers after the autosave. The autosave is all that matters by then, so the process ends
itself: at once when the terminal is known to be gone (SIGHUP), and otherwise only if a normal
shutdown has not finished well after the quit began.
"""

from __future__ import annotations

import os
import sys
import threading

# A normal shutdown takes a few tenths of a second; past this it is stuck.
STUCK_AFTER_S = 3.0


def leave_now(notes: list[str]) -> None:
    """End the process without touching the terminal (it is gone); notes go to stderr if it
    still leads anywhere (a redirected log)."""
    for note in notes:
        try:
            print(note, file=sys.stderr, flush=True)
        except (OSError, ValueError):
            break
    os._exit(0)


_disarmed = threading.Event()


def arm(seconds: float) -> None:
    """End the process in `seconds` unless it has ended (or disarm() was called) by then."""
    _disarmed.clear()

    def fire() -> None:
        if not _disarmed.wait(seconds):
            os._exit(0)

    threading.Thread(target=fire, name="exit-guard", daemon=True).start()


def disarm() -> None:
    """The app stays after all (the user chose to, once the autosave failed)."""
    _disarmed.set()
