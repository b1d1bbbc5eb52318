"""Help: what each pane shows and the book's terms, two lines each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# rnnplay

**Setup** (left): corpus, model and the book's hyper-parameters. F5 starts a run with them;
a running run is stopped first and its curve stays on the plot for comparison.

**Plot**: perplexity per epoch on a log axis, the red line is the uniform baseline (vocab size).
F2 switches to the gradient norm before clipping, with the clip threshold θ in red.

**Prompt**: type a prefix; the dim text after the cursor is the model's greedy continuation,
recomputed on each keystroke and when training changes the weights. PgUp/PgDn: length.

**Samples**: the book's predictions for the configured prefixes every pred_period epochs.

## Terms

**Perplexity**: exp of the mean cross-entropy per character. 1 is a perfect model;
the vocabulary size is what guessing uniformly at random scores.

**Gradient clipping**: if the gradient's norm ‖g‖ exceeds θ, g is scaled to θ/‖g‖·g.
It keeps RNN training from exploding; whenever the curve is above θ, clipping is active.

**Random sampling**: each minibatch takes subsequences from random places in the text;
the hidden state is re-initialised for every minibatch.

**Consecutive sampling**: neighbouring minibatches continue each other in the text, so the
hidden state carries over (detached from the graph) between minibatches.

**Greedy prediction**: feed the prefix to warm up the state, then repeatedly take the
argmax character and feed it back in.

## Sessions

ctrl+s saves the run (weights, optimizer, curves, samples, prompt) to its file, the first
time to a new one in saves/; F9 saves as. ctrl+o lists the saves and loads one: F5 (setup
unchanged) or F6 trains it on exactly where it stopped; raise epochs to go further.
Quitting (ctrl+q, or a dropped SSH connection) saves unsaved progress first.

## Keys

F5 start · F6 pause/resume · F7 stop · F8 change lr while running · F2 plot view ·
F3 clear old runs · ctrl+s save · F9 save as · ctrl+o load · Tab moves between panes ·
Esc back to the prompt · ctrl+p command palette · ctrl+q quit (saves first)
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: round $accent;
        background: $surface;
    }
    """

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
