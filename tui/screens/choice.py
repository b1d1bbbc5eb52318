"""A question with a few answers, each on a key and a button: what F3, Del and others ask
before anything is lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


@dataclass(frozen=True)
class Choice:
    key: str  # the key that picks it
    label: str  # what it does, on its button
    value: Any  # what the screen dismisses with


_BUTTON_MIN, _BUTTON_PAD, _BUTTON_GAP = 8, 2, 1  # as the CSS below and Button's own set them


class _Answers(Horizontal):
    """The answers side by side, or one under the other where the row would not fit: a
    button cut at the dialog's edge hides what that answer does."""

    def on_resize(self, event: events.Resize) -> None:
        row = sum(max(_BUTTON_MIN, cell_len(str(b.label)) + _BUTTON_PAD) + _BUTTON_GAP
                  for b in self.query(Button))  # fmt: skip
        self.set_class(row > event.size.width, "-stacked")


class ChoiceScreen(ModalScreen[Any]):
    """Dismisses with the chosen Choice's value, or None (Esc: change nothing)."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 90%; max-width: 90; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ChoiceScreen Label { width: 100%; }
    ChoiceScreen #choice-body { height: auto; }
    ChoiceScreen Horizontal { height: auto; }
    ChoiceScreen Horizontal.-stacked { layout: vertical; }
    ChoiceScreen Button { margin: 0 1 0 0; min-width: 8; }
    ChoiceScreen .hint { color: $text-muted; }
    """

    def __init__(self, question: str, body: str, choices: list[Choice]) -> None:
        super().__init__()
        self.question = question
        self.body = body
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Static(self.body, id="choice-body", markup=False)
            with _Answers():
                for i, choice in enumerate(self.choices):
                    yield Button(f"{choice.key}: {choice.label}", id=f"choice-{i}", compact=True)
            yield Label("Esc: cancel, nothing changes", classes="hint")

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)
            return
        for choice in self.choices:
            if event.key == choice.key:
                event.stop()
                self.dismiss(choice.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        index = int(str(event.button.id).removeprefix("choice-"))
        self.dismiss(self.choices[index].value)
