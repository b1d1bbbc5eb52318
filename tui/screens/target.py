"""F6 on a run that reached its epoch target: how far to train it on."""

from __future__ import annotations

from textual.widgets import Input

from tui.screens.number import NumberScreen


class TargetScreen(NumberScreen[int]):
    """Dismisses with the new epoch target (above the epochs done), or None."""

    def __init__(self, label: str, done: int, suggested: int) -> None:
        super().__init__(
            f"{label} reached its target at epoch {done}: train it on to epoch",
            "Enter trains it on · Esc cancels",
        )
        self.done, self.suggested = done, suggested

    def field(self) -> Input:
        return Input(str(self.suggested), id="target", type="integer")

    def read(self, submitted: Input.Submitted) -> int:
        value = submitted.value.strip()
        if not value.isdigit() or int(value) <= self.done:
            raise ValueError(f"give a whole number of epochs above {self.done}")
        return int(value)
