"""The prompt: type a prefix, see the model's greedy continuation after the cursor.

Handles keys itself rather than wrapping an Input: Input.Changed costs about two frames per
keystroke, a widget's own key handler about 2 ms. The completion itself is computed on another
thread (tui.completion); this widget only shows the latest result that fits the typed text.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

MIN_LENGTH, MAX_LENGTH = 5, 200


class PromptPane(Widget, can_focus=True):
    DEFAULT_CSS = """
    PromptPane {
        /* Fixed height: a completion never triggers a layout pass, only a repaint. */
        height: 5;
        border: round $primary-darken-2;
        padding: 0 1;
    }
    PromptPane:focus { border: round $accent; }
    """

    BINDINGS = [
        # Not in the Footer (it is full at 80 columns): the pane's subtitle names them.
        Binding("ctrl+up,pageup", "longer", "Longer", show=False),
        Binding("ctrl+down,pagedown", "shorter", "Shorter", show=False),
        Binding("ctrl+u", "clear", "Clear", show=False),
    ]

    text: reactive[str] = reactive("")
    length: reactive[int] = reactive(50)

    class Changed(Message):
        """The prefix or the wanted completion length changed."""

        def __init__(self, text: str, length: int) -> None:
            super().__init__()
            self.text = text
            self.length = length

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Set by the app: called synchronously on every edit. A Changed message alone would
        # reach the app a couple of message-pump hops (~17 ms) later.
        self.on_edit: Callable[[str, int], None] | None = None
        self._completion = ""
        self._completed_for = ""
        self._unknown: frozenset[str] = frozenset()
        self.note = "start training (F5) to see the model's completion"

    def on_mount(self) -> None:
        self._retitle()

    def _retitle(self) -> None:
        self.border_title = f"prompt · greedy completion of {self.length} chars"
        self.border_subtitle = "PgUp/PgDn length"

    # -- editing ---------------------------------------------------------------------------
    def insert(self, chars: str) -> None:
        # The corpora are single-line after normalisation: newlines from a paste become spaces.
        chars = chars.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
        chars = "".join(c for c in chars if c.isprintable())
        if chars:
            self.text += chars
            self._changed()

    def set_text(self, text: str) -> None:
        """Replace the whole prompt (a loaded session's text); asks for a fresh completion."""
        self.text = ""
        self.insert(text)
        if not self.text:
            self._changed()

    def backspace(self) -> None:
        if self.text:
            self.text = self.text[:-1]
            self._changed()

    def action_clear(self) -> None:
        if self.text:
            self.text = ""
            self._changed()

    def action_longer(self) -> None:
        self.length = min(MAX_LENGTH, self.length + 10)
        self._retitle()
        self._changed()

    def action_shorter(self) -> None:
        self.length = max(MIN_LENGTH, self.length - 10)
        self._retitle()
        self._changed()

    def _changed(self) -> None:
        if self.on_edit is not None:
            self.on_edit(self.text, self.length)
        self.post_message(self.Changed(self.text, self.length))

    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace":
            event.stop()
            event.prevent_default()
            self.backspace()
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.insert(event.character)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.insert(event.text)

    # -- results from the completion thread ------------------------------------------------
    def show_completion(self, text: str, completion: str, unknown: tuple[str, ...]) -> None:
        self._completed_for = text
        self._completion = completion
        self._unknown = frozenset(unknown)
        self.note = ""
        self.refresh()

    def set_note(self, note: str) -> None:
        self.note = note
        self.refresh()

    def visible_completion(self) -> str:
        """The completion that still fits what is typed now.

        If the user typed exactly what the model predicted, the rest of the old rollout is
        still the greedy answer, so it stays on screen instead of flickering off.
        """
        done, now = self._completed_for, self.text
        if now == done:
            return self._completion
        if now.startswith(done):
            typed = now[len(done) :]
            if self._completion.startswith(typed):
                return self._completion[len(typed) :]
        return ""

    def render(self) -> Text:
        out = Text(no_wrap=False, overflow="fold")
        out.append("› ", style="bold")
        for ch in self.text:
            if ch in self._unknown:
                # Characters outside the vocabulary are skipped by the model: show that.
                out.append(ch, style="bold red underline")
            else:
                out.append(ch)
        out.append(" ", style="reverse" if self.has_focus else "underline")
        # A predicted line break would break the pane's layout: it is shown as a sign.
        out.append(self.visible_completion().replace("\n", "↵"), style="italic dim")
        if self._unknown:
            out.append(f"  (not in vocabulary: {''.join(sorted(self._unknown))})", style="red")
        if self.note:
            out.append(f"  {self.note}", style="dim")
        return out

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
