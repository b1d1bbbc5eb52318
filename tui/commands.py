"""Every command of the app, declared once: its key, the action it runs, its names and when it
applies. The app's key bindings, the command palette and the help's key table are built from
COMMANDS, so a key is written in one place.

Rows without an action document keys that a pane binds itself (the prompt's, the runs table's,
the plot's): the help lists them with the rest, and nothing else is generated from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from textual.binding import Binding

from engine.playground import Action, RunSummary
from engine.playground.events import RunState


class When(Enum):
    """When a command applies, judged from the core's runs (the palette offers only those)."""

    ALWAYS = "always"
    RUNS = "runs"  # some run exists
    SELECTED = "selected"  # a run is selected (save, time devices act on it)
    TRAINING = "training"  # a run is running or paused
    RUNNING = "running"  # a run trains and can be paused
    PAUSED = "paused"  # the training run is paused
    TRAIN_ON = "train_on"  # nothing trains and the selected run can train on


@dataclass(frozen=True)
class Command:
    key: str  # Textual key names, comma-separated; "" for a palette-only entry
    title: str  # the palette's and the help's name for it
    help: str  # what it does, in a line
    action: str = ""  # the app's action; "" for a key a pane binds itself
    footer: str = ""  # its name in the footer; "" keeps it out of the footer
    shown_key: str = ""  # how the help and the palette write the key (default: from `key`)
    priority: bool = False  # wins over the focused input (the setup form's fields)
    when: When = When.ALWAYS
    palette: bool = True

    @property
    def keys_text(self) -> str:
        if self.shown_key:
            return self.shown_key
        return " / ".join(_key_text(k) for k in self.key.split(","))


def _key_text(key: str) -> str:
    return key.upper() if key.startswith("f") and key[1:].isdigit() else key


# The footer shows what fits at 80 columns (F1 and F9 are left to the help and the palette);
# Help lists every key, in this order.
# One command a line (or two), as a table reads.
# fmt: off
COMMANDS: tuple[Command, ...] = (
    Command("f1", "Help", "keys, panes and the book's terms (Esc closes it)", "help"),
    Command("f4", "Setup", "the setup form; below 100 columns it takes the screen until F4 or "
            "Esc", "toggle_setup", "Setup"),
    Command("f5", "New run", "a new run with the setup's values (one per grid combination); "
            "while runs train, asks: train alongside or queue until none trains",
            "new_run", "New run"),
    Command("f6", "Pause/resume/train on", "pause or resume the selected run; a parked one "
            "trains on, beside any others (past its target: asks for a new one)",
            "pause_resume", "Pause/resume/train on", palette=False),
    Command("", "Pause training", "pause between batches (F6)", "pause", when=When.RUNNING),
    Command("", "Resume training", "go on with the paused run (F6)", "resume", when=When.PAUSED),
    Command("", "Train on", "train the selected run on from where it stopped (F6)", "train_on",
            when=When.TRAIN_ON),
    Command("f7", "Stop training", "end the selected run's training; its curve stays", "stop",
            "Stop",
            when=When.TRAINING),
    Command("f8", "Change learning rate", "the selected run's, while it trains or is paused, "
            "from its next batch (marked ▾ on the plot)", "change_lr", when=When.TRAINING),
    Command("f2", "Next plot view", "perplexity / gradient norm before clipping / perplexity "
            "per step", "toggle_plot"),
    Command("ctrl+z", "Zoom the plot", "last 50 epochs / all (a zoomed range goes back to all; Z "
            "too on the plot)", "plot_zoom"),
    Command("ctrl+g", "Plot smoothing", "TensorBoard's moving average: 0 / 0.6 / 0.9, the raw "
            "curve faint behind", "plot_smoothing"),
    Command("ctrl+l", "Plot y axis", "log / linear", "plot_scale"),
    Command("ctrl+x", "Plot x axis", "epoch / optimizer step / wall time (the per-step view "
            "counts steps; in a setup field ctrl+x cuts)", "plot_x_axis"),
    Command("left,right,home,end", "Plot cursor", "on the plot: its border reads the values "
            "under it; Home / End: the first / last point", shown_key="← → Home End"),
    Command("left_square_bracket,right_square_bracket,plus,minus", "Plot range",
            "on the plot: start / end the zoomed range at the cursor, zoom in / out around it",
            shown_key="[ ] + -"),
    Command("f3", "Clear finished runs", "asks first, naming them, then removes the runs "
            "that are done (finished, diverged, failed, loaded at their target); unsaved "
            "ones: save, discard or keep; files stay; the selected run stays", "clear_runs",
            when=When.RUNS),
    Command("tab", "Next pane", "focus the next pane (runs table, plot, prompt, samples) or, "
            "with the setup form open beside them, the next field; shift+Tab: back",
            shown_key="Tab"),
    Command("enter,delete,space", "Runs table", "follow that run / remove it (unsaved: asks) / "
            "hide its curve", shown_key="Enter / Del / Space"),
    Command("s,S", "Sort runs", "in the runs table: by the next column shown (its header "
            "says ▲ or ▼) / the other way", shown_key="s / S"),
    Command("m", "Mark run", "in the runs table: mark or unmark that run; each marked run "
            "completes the prompt on a line of its own, in its colour"),
    Command("ctrl+s", "Save session", "save the selected run to its file (the first time a new "
            "one in saves/)", "save", "Save", priority=True, when=When.SELECTED),
    Command("f9", "Save session as", "save the selected run to a path you choose", "save_as",
            when=When.SELECTED),
    Command("ctrl+o", "Load session", "open a saved run beside the others (nothing else "
            "changes); F6 trains it on", "load", "Load", priority=True),
    Command("ctrl+e", "Export curves", "every run's curves as CSV and JSON lines into saves/",
            "export", priority=True, when=When.RUNS),
    Command("ctrl+d", "Time devices", "the selected run's epoch on each CPU/GPU setting here",
            "time_devices", priority=True, when=When.SELECTED),
    Command("f10", "Inside the model", "next-character odds / hidden units / what the "
            "prediction looks at / gradient flow / model / weights over time / minibatch "
            "layout / closed", "inside"),
    Command("pageup,pagedown", "Completion length", "in the prompt: longer / shorter",
            shown_key="PgUp / PgDn"),
    Command("ctrl+t,ctrl+k,ctrl+r,ctrl+y", "Decoding", "in the prompt: temperature / top-k / "
            "new seed / warm-up: read 100 or 1000 characters of training text before the prompt "
            "(from zeros is the book's)", shown_key="ctrl+t / ctrl+k / ctrl+r / ctrl+y"),
    Command("ctrl+u,ctrl+w,ctrl+j", "Prompt editing", "clear the prompt / delete a word / a "
            "line break, shown ↵ (shift+enter too; where the run's vocabulary has them, pasted "
            "ones stay); ← → Home End Del edit anywhere", shown_key="ctrl+u / ctrl+w / ctrl+j"),
    Command("escape", "Prompt", "from anywhere back to the prompt (closes the setup form, help, "
            "dialogs); a click on it, or typing outside a field, goes there too",
            "focus_prompt", shown_key="Esc", palette=False),
    Command("ctrl+p", "Command palette", "every command that applies now, by name",
            palette=False),
    Command("ctrl+q", "Quit", "unsaved runs are saved to saves/ first (if that fails, it asks; "
            "one that diverged before an epoch ended learned nothing: not saved, it says so); "
            "with runs queued it asks first: they will not start",
            "quit", "Quit", priority=True, palette=False),  # Textual's palette has its Quit
)
# fmt: on


def applies(
    training: RunSummary | None, selected: RunSummary | None, any_runs: bool
) -> set[When]:
    """Which commands apply, from the training and the selected run's summaries: what their
    states allow (engine.playground's lifecycle table)."""
    now = {When.ALWAYS}
    if any_runs:
        now.add(When.RUNS)
    if selected is not None:
        now.add(When.SELECTED)
        if training is None and selected.allows(Action.TRAIN_ON):
            now.add(When.TRAIN_ON)
    if training is not None:
        now.add(When.TRAINING)
        if training.state == RunState.RUNNING and training.allows(Action.PAUSE):
            now.add(When.RUNNING)
        if training.state == RunState.PAUSED and training.allows(Action.RESUME):
            now.add(When.PAUSED)
    return now


def bindings() -> list[Binding]:
    """The app's key bindings: every command with a key and an app action."""
    return [
        Binding(c.key, c.action, c.footer or c.title, show=bool(c.footer), priority=c.priority)
        for c in COMMANDS
        if c.key and c.action
    ]


def palette_entries(applies: set[When]) -> Iterator[Command]:
    """The commands the palette offers when the conditions in `applies` hold."""
    return (c for c in COMMANDS if c.action and c.palette and c.when in applies)


def key_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help, one row per key in the table's order."""
    return [(c.keys_text, f"{c.title}: {c.help}") for c in COMMANDS if c.key]
