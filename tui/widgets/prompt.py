"""The prompt: type a prefix, see the model's continuation after it.

Handles keys itself rather than wrapping an Input: Input.Changed costs about two frames per
keystroke, a widget's own key handler about 2 ms. The completion is computed on the core's
prompt thread; this widget only shows the latest result that fits the typed text. The cursor
may move anywhere in the text; the completion always continues from its end (the core replays
the model only from the first changed character).

The pane grows with what it shows, up to `max-height`; past that it keeps the row with the
cursor and the completion in view, and a line says how much is left off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from engine.playground import Decoding, RunSummary
from engine.playground.events import RunState
from tui.widgets.completion_lines import RunCompletions, still_fits
from tui.widgets.decoding_keys import CompletionSettings
from tui.widgets.prompt_echo import EchoWait
from tui.widgets.prompt_height import PromptHeight
from tui.widgets.prompt_line import prompt_line
from tui.widgets.prompt_note import PromptNote
from tui.widgets.prompt_rows import fit_rows, wrapped
from tui.widgets.prompt_text import PromptText

# The subtitle while another pane has the focus (tui/main_screen.py sends typing here too).
BACK_HERE = "Esc, a click or typing: back to the prompt"
LINE_BREAK_KEYS = ("ctrl+j", "shift+enter")  # type "\n" where the run's vocabulary has it


class PromptPane(Widget, can_focus=True):
    DEFAULT_CSS = """
    PromptPane {
        height: auto;
        min-height: 3;
        max-height: 10;
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
        Binding("ctrl+w", "delete_word", "Delete word", show=False),
        Binding("left", "cursor(-1)", show=False),
        Binding("right", "cursor(1)", show=False),
        Binding("home", "cursor_to(0)", show=False),
        Binding("end", "cursor_to(-1)", show=False),
        Binding("delete", "delete", show=False),
        Binding("backspace", "backspace", show=False),
        Binding("ctrl+t", "temperature", "Temperature", show=False),
        Binding("ctrl+k", "top_k", "Top-k", show=False),
        Binding("ctrl+r", "reroll", "New seed", show=False),
        Binding("ctrl+y", "warmup", "Warm-up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Set by the screen: called synchronously on every edit, with the text, the wanted
        # length and the decoding. A message would reach the app a couple of message-pump
        # hops (~17 ms) later.
        self.on_edit: Callable[[str, int, Decoding], None] | None = None
        self.settings = CompletionSettings()  # the decoding and the length; keys step them
        self.edit = PromptText()
        self.follows = ""  # the run whose model completes, as its label
        self.weights_every = 0.0  # how often it takes up new weights, when rarer than each one
        self._weights_change = False  # whether the followed run trains now (its weights move)
        self._completion = ""
        self._probs: tuple[float, ...] = ()  # the model's probability of each completed char
        self._completed_for = ""
        self._unknown: frozenset[str] = frozenset()
        self.marked = RunCompletions()  # a line per run once runs besides the selected are marked
        self._height = PromptHeight(
            self.set_timer, self._wrapped_count, lambda: self.refresh(layout=True)
        )
        self._echo = EchoWait(self.set_timer, self._repaint)  # an edit waits for its completion
        self._note = PromptNote(
            "start training (F5) to see the model's completion", self.set_timer, self._repaint
        )
        self.line_breaks = False  # the selected run's vocabulary holds "\n" (the core says)

    def on_mount(self) -> None:
        self._retitle()

    @property
    def decoding(self) -> Decoding:
        return self.settings.decoding

    @property
    def length(self) -> int:
        """Characters of completion wanted."""
        return self.settings.length

    def _retitle(self, focused: bool | None = None) -> None:
        # The border keeps a corner, a "━" and a blank on each side of its title.
        width = max(1, self.outer_size.width - 6) if self.outer_size.width else 0
        # How often new weights are taken up means something only while they come.
        every = self.weights_every if self._weights_change else 0.0
        self.border_title = self.settings.title(self.follows, every, width)
        # Its keys work only here; elsewhere, the way back here is the thing to know.
        here = self.has_focus if focused is None else focused
        self.border_subtitle = self.settings.subtitle() if here else BACK_HERE

    def on_resize(self) -> None:
        self._retitle()

    def show_model(self, follows: str) -> None:
        """Which run completes the prompt, for the title."""
        self.follows = follows
        self._retitle()

    def show_weights_every(self, seconds: float) -> None:
        """How often the completion takes up the run's new weights (0: each snapshot)."""
        if seconds != self.weights_every:
            self.weights_every = seconds
            self._retitle()

    def action_temperature(self) -> None:
        self._settle(self.settings.next_temperature())

    def action_top_k(self) -> None:
        was_greedy = self.decoding.greedy
        self._settle(self.settings.next_top_k())
        if was_greedy and not self.decoding.greedy:
            self.notify(
                f"top-k applies when sampling: now sampling at temperature "
                f"{self.decoding.temperature:g}, top-k {self.decoding.top_k} "
                "(ctrl+t steps the temperature, back to greedy after 1.5)",
                title="switched to sampling", markup=False,
            )

    def action_warmup(self) -> None:
        self._settle(self.settings.next_warmup())

    def action_reroll(self) -> None:
        if not self.decoding.greedy:  # greedy decoding has no seed to change
            self._settle(self.settings.rerolled())

    def action_longer(self) -> None:
        self._settle(self.settings.longer())

    def action_shorter(self) -> None:
        self._settle(self.settings.shorter())

    def restore(self, decoding: Decoding, length: int) -> None:
        """A loaded session's decoding and completion length."""
        self._settle(CompletionSettings.restored(decoding, length))

    def _settle(self, settings: CompletionSettings) -> None:
        self.settings = settings
        self._retitle()
        self._changed()

    # -- editing ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.edit.text

    @property
    def cursor(self) -> int:
        return self.edit.cursor

    def insert(self, chars: str) -> None:
        """Insert at the cursor (see PromptText.inserted for what becomes of tabs and breaks)."""
        edit, note = self.edit.inserted(chars, self.line_breaks)
        if note:
            self._note.about_edit(note)
            if edit.text == self.text:  # a key refused (the prompt is full): only the note shows
                self._repaint()
        self._apply(edit)

    def action_line_break(self) -> None:
        if self.line_breaks:
            self.insert("\n")
        else:
            self._note.about_edit("no line breaks: this run's vocabulary has none")
            self._repaint()

    def set_text(self, text: str) -> None:
        """Replace the whole prompt (a loaded session's text, line breaks kept: it was typed
        for that run), cursor at the end."""
        edit, note = PromptText().inserted(text, line_breaks=True)
        if note:
            self._note.text = note
        self.edit = edit
        self._changed()
        self.post_message(self.CursorMoved(edit.cursor))

    def action_backspace(self) -> None:
        self._apply(self.edit.backspaced())

    def action_delete(self) -> None:
        self._apply(self.edit.deleted())

    def action_delete_word(self) -> None:
        self._apply(self.edit.word_deleted())

    def action_clear(self) -> None:
        self._apply(PromptText())

    def action_cursor(self, step: int) -> None:
        self._apply(self.edit.moved(step))

    def action_cursor_to(self, where: int) -> None:
        self._apply(self.edit.moved_to(where))

    def _apply(self, edit: PromptText) -> None:
        """A changed text asks for a completion; a moved cursor only repaints."""
        before, self.edit = self.edit, edit
        if edit.text != before.text:
            self._changed()
        elif edit.cursor != before.cursor:
            self._repaint()
        if edit.cursor != before.cursor:
            self.post_message(self.CursorMoved(edit.cursor))

    class CursorMoved(Message):
        """The cursor moved (the model view shows the step of the character before it)."""

        def __init__(self, cursor: int) -> None:
            super().__init__()
            self.cursor = cursor

    def _changed(self) -> None:
        if self.on_edit is not None:
            self.on_edit(self.text, self.length, self.decoding)
        self._height.typing()
        if self.follows:  # a run completes it: drawn with its completion
            self._echo.edited()
        else:
            self._repaint()

    def on_key(self, event: events.Key) -> None:
        self._note.read()  # the next keystroke moves on
        # Handled here like a printable key, not as a binding: a binding runs only once the key
        # has bubbled up to the app, after the keys typed next ("a ctrl+j b" became "ab\n").
        # Enter alone would read as "done"; terminals send ctrl+j as a bare line feed.
        if event.key in LINE_BREAK_KEYS:
            event.stop()
            event.prevent_default()
            self.action_line_break()
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.insert(event.character)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self._note.read()
        self.insert(event.text)

    # -- results from the core ------------------------------------------------------------
    def show_completion(
        self, text: str, completion: str, unknown: tuple[str, ...], probs: tuple[float, ...] = ()
    ) -> None:
        self._completed_for = text
        self._completion = completion
        self._probs = probs
        self._unknown = frozenset(unknown)
        self._note.completed()
        self._repaint_answered()

    def show_run_completion(
        self, run_id: int, text: str, completion: str, error: str | None
    ) -> None:
        """Any run's completion, for its line while runs are marked."""
        if self.marked.show(run_id, text, completion, error):
            self._repaint_answered()

    def _repaint_answered(self) -> None:
        # An edit not drawn yet waits (at most ECHO_WAIT_S) for every marked run's completion
        # of it, to be drawn with all of them in one frame: a frame per run held the GIL while
        # the prompt thread computed the next run's (issue 17).
        if not self._echo.waiting or self.marked.answered(self.text):
            self._repaint()

    def show_runs(
        self, runs: Sequence[RunSummary], selected: int | None, colors: Mapping[int, str]
    ) -> None:
        """Which runs are marked (RunSummary.marked), their labels and curve colours; whether
        the selected one's vocabulary holds line breaks."""
        chosen = next((run for run in runs if run.id == selected), None)
        self.line_breaks = chosen is not None and chosen.line_breaks
        training = chosen is not None and chosen.state == RunState.RUNNING
        if training != self._weights_change:
            self._weights_change = training
            self._retitle()
        if self.marked.set_runs(runs, selected, colors):
            self._repaint()

    def line_of(self, run_id: int) -> str:
        """The completion a run's line shows now."""
        return self.marked.visible(run_id, self.text)

    def set_note(self, note: str) -> None:
        """What the core says after the prompt, in place of any note (one about an edit too)."""
        self._note.replace(note)

    @property
    def note(self) -> str:
        """The note shown after the prompt and its completion (prompt_note: how long it stays)."""
        return self._note.text

    @property
    def awaiting_completion(self) -> bool:
        """Whether an edit waits (at most ECHO_WAIT_S) to be drawn with its completions."""
        return self._echo.waiting

    def visible_completion(self) -> str:
        """The selected run's completion that still fits what is typed now."""
        return still_fits(self._completed_for, self._completion, self.text)

    # -- drawing ---------------------------------------------------------------------------
    def _repaint(self) -> None:
        self._echo.drawn()
        # A layout pass (20-40 ms for the whole screen while training: the plot redraws at its
        # new size) only when the pane must grow, or shrink once typing pauses: the height is
        # sized for the last whole completion, not the part still shown, so a keystroke that
        # hides it until the new one comes repaints alone; and clearing the prompt or deleting
        # back over a line break does not make the pane, and the plot above it, jump.
        self.refresh(layout=self._height.fit(self._wrapped_count()))

    @property
    def height_settled(self) -> bool:
        """Whether the pane is laid out at the height its text needs, no shrink waiting."""
        return self._height.settled(self._wrapped_count())

    def _content(self, sizing: bool = False) -> Text:
        """The pane's own line; with `sizing`, the last whole completion in place of what is
        shown of it (what the height is measured on)."""
        # With runs marked, each completion has a line of its own under the prompt.
        shown = (
            "" if self.marked.runs else self._completion if sizing else self.visible_completion()
        )
        probs = self._probs[len(self._completion) - len(shown) :]
        return prompt_line(
            self.text, self.cursor, self.has_focus, shown, probs, self._unknown, self._note.text
        )

    def _wrapped(self, width: int, sizing: bool = False) -> list[Text]:
        own, marked = self._rows(width, sizing)
        return own + marked

    def _rows(self, width: int, sizing: bool = False) -> tuple[list[Text], list[Text]]:
        """The prompt's own line wrapped to `width`, and the marked runs' lines."""
        own = wrapped(self._content(sizing), self.app.console, max(1, width))
        return own, self.marked.lines(self.text, max(1, width), sizing)

    def _wrapped_count(self) -> int:
        return len(self._wrapped(self.content_region.width or 1, sizing=True))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        needed = len(self._wrapped(width, sizing=True))
        # While a shrink waits, the height laid out stays (at this width: a resized terminal
        # lays out what the text needs).
        return max(needed, self._height.kept() if width == self.content_region.width else 0)

    def render(self) -> Text:
        # Past max-height the caret's row stays in view: the marked runs' lines give way
        # first, then the rows furthest from the caret (tui/widgets/prompt_rows.py).
        width = self.content_region.width
        own, marked = self._rows(width)
        return Text("\n").join(fit_rows(own, marked, self.content_region.height, width))

    def on_focus(self) -> None:
        self._retitle(focused=True)
        self.refresh()

    def on_blur(self) -> None:
        self._retitle(focused=False)
        self.refresh()
