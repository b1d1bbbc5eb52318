"""The run setup form: corpus, model and the book's hyper-parameters.

Each field refuses bad values itself (Textual validators); whatever needs the corpus (batch too
large for the text, ...) is checked by TrainConfig.check when a run starts, and the message
comes back here through `show_error`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.suggester import SuggestFromList
from textual.validation import Function, ValidationResult, Validator
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static

MODELS = ("scratch", "rnn", "gru", "lstm")
SAMPLING = ("random", "consecutive")
BOOK_LR = {"scratch": 100.0, "rnn": 1e-3, "gru": 1e-3, "lstm": 1e-3}


class PositiveNumber(Validator):
    def __init__(self, integer: bool = False, allow_zero: bool = False) -> None:
        super().__init__()
        self.integer = integer
        self.allow_zero = allow_zero

    def validate(self, value: str) -> ValidationResult:
        try:
            number = int(value) if self.integer else float(value)
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            return self.failure(f"must be {kind}")
        if not math.isfinite(number):
            return self.failure("must be finite (not NaN or inf)")
        if number < 0 or (number == 0 and not self.allow_zero):
            return self.failure("must be positive" if not self.allow_zero else "must be >= 0")
        return self.success()


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    default: str
    validator: Validator | None = None


FIELDS = (
    Field("corpus", "corpus", "jaychou", Function(lambda v: bool(v.strip()), "corpus is empty")),
    Field("max_chars", "max chars", "10000", PositiveNumber(integer=True, allow_zero=True)),
    Field("layers", "layers", "1", PositiveNumber(integer=True)),
    Field("hidden", "hidden", "256", PositiveNumber(integer=True)),
    Field("lr", "lr", "100", PositiveNumber()),
    Field("clip", "clip θ", "0.01", PositiveNumber()),
    Field("batch_size", "batch", "32", PositiveNumber(integer=True)),
    Field("num_steps", "steps", "35", PositiveNumber(integer=True)),
    Field("epochs", "epochs", "250", PositiveNumber(integer=True)),
)
INT_FIELDS = {"max_chars", "layers", "hidden", "batch_size", "num_steps", "epochs"}


class SetupPane(VerticalScroll):
    DEFAULT_CSS = """
    SetupPane {
        width: 30;
        border: round $primary-darken-2;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
    }
    SetupPane:focus-within { border: round $accent; }
    SetupPane .row { height: 1; }
    SetupPane .row Label { width: 10; color: $text-muted; }
    SetupPane .row Input { width: 1fr; }
    SetupPane .row Select { width: 1fr; }
    SetupPane RadioSet { border: none; padding: 0; width: 1fr; height: auto; }
    SetupPane #devices-label { color: $text-muted; }
    SetupPane .reason { color: $text-disabled; height: auto; }
    SetupPane #setup-error { color: $error; height: auto; }
    """

    def __init__(
        self,
        devices: list[tuple[str, str | None]],
        values: dict[str, str] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        devices = devices or [("cpu", None)]
        # "auto" (CUDA when there is one, else the CPU) is the default choice: a saved session
        # that says "auto" then follows whatever machine it is resumed on.
        if not any(name == "auto" for name, _ in devices):
            devices = [("auto", None), *devices]
        self.devices = devices
        self.initial = dict(values or {})
        # The lr the form filled in itself; any other value is the user's and is kept.
        self._auto_lr = (
            None if "lr" in self.initial else f"{BOOK_LR[self.initial.get('model', 'scratch')]:g}"
        )
        self.border_title = "setup · F5 start"

    def compose(self) -> ComposeResult:
        model = self.initial.get("model", "scratch")
        with Horizontal(classes="row"):
            yield Label("model")
            yield Select(
                [(m, m) for m in MODELS],
                value=model,
                allow_blank=False,
                compact=True,
                id="model",
            )
        with Horizontal(classes="row"):
            yield Label("sampling")
            yield Select(
                [(s, s) for s in SAMPLING],
                value=self.initial.get("sampling", "random"),
                allow_blank=False,
                compact=True,
                id="sampling",
            )
        for f in FIELDS:
            default = f.default if f.id != "lr" else f"{BOOK_LR[model]:g}"
            with Horizontal(classes="row"):
                yield Label(f.label)
                yield Input(
                    self.initial.get(f.id, default),
                    id=f.id,
                    compact=True,
                    validators=[f.validator] if f.validator else None,
                    suggester=SuggestFromList(["jaychou", "pysrc"]) if f.id == "corpus" else None,
                    select_on_focus=False,
                )
        yield Label("device", id="devices-label")
        wanted = self.initial.get("device", "auto")
        names = [n for n, reason in self.devices if reason is None]
        if wanted not in names:
            wanted = names[0] if names else "cpu"
        with RadioSet(id="device"):
            for name, reason in self.devices:
                label = name if reason is None else f"{name} (unavailable)"
                yield RadioButton(
                    label, value=name == wanted, disabled=reason is not None, name=name
                )
        for name, reason in self.devices:
            if reason is not None:
                yield Static(f"{name}: {reason}", classes="reason")
        yield Static("", id="setup-error")

    # -- behaviour ---------------------------------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        lr = self.query_one("#lr", Input)
        if event.select.id == "model" and lr.value.strip() == self._auto_lr:
            # The book trains the scratch model with SGD at lr 100 and the nn models with Adam
            # at 1e-3: carry the default along unless the user chose an lr.
            self._auto_lr = f"{BOOK_LR[str(event.value)]:g}"
            lr.value = self._auto_lr

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and not result.is_valid:
            label = next((f.label for f in FIELDS if f.id == event.input.id), event.input.id)
            self.show_error(f"{label}: {'; '.join(result.failure_descriptions)}")
        else:
            self.show_error("")

    def show_error(self, message: str, field_id: str | None = None) -> None:
        self.query_one("#setup-error", Static).update(message)
        if field_id:
            try:
                widget = self.query_one(f"#{field_id}")
            except NoMatches:  # a setting the form does not show (seed, prefixes...)
                return
            if isinstance(widget, Input):
                widget.add_class("-invalid")
            widget.focus()

    def set_values(self, values: dict[str, str]) -> None:
        """Fill the form from a loaded session (field id -> text, as `read` would take it)."""
        model = values.get("model")
        if model in MODELS:
            self.query_one("#model", Select).value = model
        if values.get("sampling") in SAMPLING:
            self.query_one("#sampling", Select).value = values["sampling"]
        for f in FIELDS:
            if f.id in values:
                widget = self.query_one(f"#{f.id}", Input)
                widget.value = values[f.id]
                widget.remove_class("-invalid")
        # The session's lr is the user's choice unless it is the book's default for its model;
        # only then does a later model change carry the book's lr along.
        lr = values.get("lr")
        book = f"{BOOK_LR[model]:g}" if model in BOOK_LR else None
        self._auto_lr = lr if lr is not None and lr == book else None
        self.select_device(values.get("device", "auto"))
        self.show_error("")

    def select_device(self, name: str) -> None:
        usable = [b for b in self.query(RadioButton) if not b.disabled]
        chosen = next((b for b in usable if b.name == name), None)
        if chosen is None:  # saved on a device this machine lacks: the engine falls back too
            chosen = next((b for b in usable if b.name in ("auto", "cpu")), None)
        if chosen is not None:
            chosen.value = True

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def selected_device(self) -> str:
        pressed = self.query_one("#device", RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else "auto"

    def read(self) -> tuple[dict[str, object] | None, str]:
        """The form as TrainConfig keyword arguments plus corpus/max_chars, or (None, error)."""
        values: dict[str, object] = {}
        for f in FIELDS:
            widget = self.query_one(f"#{f.id}", Input)
            raw = widget.value.strip()
            if f.validator is not None:
                result = f.validator.validate(raw)
                if not result.is_valid:
                    message = f"{f.label}: {'; '.join(result.failure_descriptions)}"
                    self.show_error(message)
                    widget.focus()
                    return None, message
            values[f.id] = int(raw) if f.id in INT_FIELDS else raw
        values["lr"] = float(str(values["lr"]))
        values["clip"] = float(str(values["clip"]))
        values["model"] = str(self.query_one("#model", Select).value)
        values["sampling"] = str(self.query_one("#sampling", Select).value)
        values["device"] = self.selected_device()
        self.show_error("")
        return values, ""
