"""A small dialog that asks for one number: F8's learning rate, F6's epoch target."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

T = TypeVar("T")


class NumberScreen(ModalScreen[T | None]):
    """A question, the `field` and a hint. Enter dismisses with what `read` makes of the field,
    or shows under it why `read` refused; Esc dismisses with None."""

    DEFAULT_CSS = """
    NumberScreen { align: center middle; }
    NumberScreen > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    NumberScreen .hint { color: $text-muted; }
    /* the whole width, so a long question or refusal wraps rather than being cut at the border */
    NumberScreen Label { width: 100%; }
    NumberScreen #error { color: $error; height: auto; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, hint: str) -> None:
        super().__init__()
        self.question, self.hint = question, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            # Plain text: the question names a run, whose label a session file may have set.
            yield Label(self.question, markup=False)
            yield self.field()
            yield Label(self.hint, classes="hint")
            yield Label("", id="error", markup=False)

    def field(self) -> Input:
        """The field, pre-filled (built as the dialog is composed: an Input wants the app)."""
        raise NotImplementedError

    def read(self, submitted: Input.Submitted) -> T:
        """The number the field holds; ValueError saying what is wrong with it otherwise."""
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            number = self.read(event)
        except ValueError as refused:
            self.query_one("#error", Label).update(str(refused))
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)
