"""The note the prompt pane shows after the prompt and its completion, and how long it stays.

Two kinds: what the core says (training has not started, a completion failed), which the next
completion replaces; and a note about what the user just typed (a line break the run cannot
take, a paste cut short), which stays until their next keystroke or EDIT_NOTE_S: the completions
that come with each new set of weights while training no longer wipe it before it is read.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

EDIT_NOTE_S = 5.0


class PromptNote:
    """The pane's note; `repaint` is called when it goes or is replaced on its own (a timer, a
    keystroke), `set_timer` is the pane's."""

    def __init__(
        self,
        text: str,
        set_timer: Callable[[float, Callable[[], None]], Timer],
        repaint: Callable[[], None],
    ) -> None:
        self.text = text
        self._set_timer = set_timer
        self._repaint = repaint
        self._edit: Timer | None = None  # while a note about an edit shows (EDIT_NOTE_S)

    def about_edit(self, text: str) -> None:
        """A note about the edit just made; the pane draws it with the edit."""
        self.read()
        self.text = text
        self._edit = self._set_timer(EDIT_NOTE_S, self._expired)

    def read(self) -> None:
        """A keystroke: a note about an edit has been read and goes."""
        if self._edit is not None:
            self._edit.stop()
            self._edit = None
            self.text = ""
            self._repaint()

    def replace(self, text: str) -> None:
        """What the core says now, in place of any note (one about an edit too)."""
        if self._edit is not None:
            self._edit.stop()
            self._edit = None
        self.text = text
        self._repaint()

    def completed(self) -> None:
        """A completion came: it answers what the core said, not a note about an edit."""
        if self._edit is None:
            self.text = ""

    def _expired(self) -> None:
        self._edit = None
        self.text = ""
        self._repaint()
