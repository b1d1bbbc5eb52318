"""Help: the keys first, then what each pane shows, the book's terms and the chapter's
exercises with the settings and keys that do them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.commands import key_rows

HELP = """\
# rnnplay

## Keys

{keys}

## Panes

**Setup**: corpus, model and the book's hyper-parameters. F5 starts a new run with them; while
runs train it asks whether the new one trains alongside them or is queued after, and every run
stays in the runs table and on the plot. The form
is what the next run gets: a run's own settings are on the status line and in the runs table.

**Status line**: the selected run's state, epochs done of its target, perplexity, optimizer
and learning rate, speed and device; then the other training runs' speeds, as many as fit
("+2 training"). Speed: chars/s is characters trained per second of training (pauses,
held-out checks and samples left out) over the last finished epoch, as in the runs table ("so
far": the first epoch, until it ends); s/epoch is a whole epoch at that pace, so the two always
agree. A reason too long for the line is cut there and given in full in the notes.

**Runs**: one row per run, coloured as its curve. The selected run (▶) is the one the status
line, the prompt, save and stop act on; Enter on another row selects it instead. m marks a run
(✓): each marked run completes the prompt on a line of its own.

**Plot**: perplexity per epoch on a log axis; the red line is the uniform baseline (the
vocabulary size). F2 switches to the gradient norm before clipping, with the threshold θ in red.
Smoothing (ctrl+g) is TensorBoard's: each point becomes a weighted mean of the points before
it, the newest weighing 1 - w; the raw curve stays faint behind. The x axis (ctrl+x) counts
epochs, optimizer steps or wall time, so runs of different speeds or batch sizes compare fairly.

**Prompt**: type a prefix; the dim text after it is the followed run's continuation, recomputed
on each keystroke and when training changes the weights.

**Held-out perplexity** (dots on the plot, `held-out` in the runs table): measured on text the
model never trains on. On the book's settings the training perplexity falls to about 1 while
the held-out one stays far above it: the model memorizes its 10,000 characters rather than
learning the language. Trained on, it climbs past the red uniform baseline: sure of what it
memorized, the model is confidently wrong on new text, worse than a guess that gives every
character the same odds.

**Inside the model** (F10): the odds it gives each next character and how unsure it is
(entropy), its hidden units coloured over the prompt and completion (blue -1, red +1, or the
unit's own scale where the state is unbounded, an LSTM's c; · is a space, ↵ a newline; Tab there,
←/→ steps through the units ranked by their variance or by how they follow being in a word or
the count since a space, p pins one while training re-ranks them), how strongly the next
prediction depends on each earlier character, and |∂ℓ_T/∂H_t|: the latest batch's last-step
loss back to each hidden state, so the bars show the gradient vanishing or exploding back
through time. The completion itself is shaded: the brighter a character, the surer the model
was of it.

**The model** (F10): the selected run's network, X_t → [W_xh] → ⊕ ← [W_hh] ← H_(t-1), φ,
H_t → [W_hq] → O_t → softmax (a GRU's or LSTM's gates in the book's forms), with each
parameter's shape and count, and one time step for the prompt character before the cursor
(←/→ moves it): X_t's one-hot index and the row of W_xh it reads, the terms X_t W_xh and
H_(t-1) W_hh, H_t after φ, the top logits with their softmax. Tab, then ↑/↓ scrolls.

**Weights over time** (F10): each parameter's norm and update-to-weight ratio per epoch, its
histogram at the latest epoch and its min / quartiles / max over the epochs (Tab, then ←/→:
the next parameter). **Minibatch layout** (F10): where this epoch's batches come from in the
training text, and whether a batch's state starts from zeros (random sampling) or is carried
and detached (consecutive); Tab, then ←/→: the next batch.

**Samples**: the book's predictions for the run's prefixes every `pred each` epochs.

## Terms

**Perplexity**: exp of the mean cross-entropy per character. Best 1 (every true character
given probability 1); uniform guessing scores the vocabulary size; worst +∞ (a true character
given probability 0). The model view shows them beside the prompt's and the run's own.

**Gradient clipping**: if the gradient's norm ‖g‖ exceeds θ, g is scaled to θ/‖g‖·g.
It keeps RNN training from exploding; whenever the curve is above θ, clipping is active.

**Random sampling**: each minibatch takes subsequences from random places in the text;
the hidden state is re-initialised for every minibatch.

**Consecutive sampling**: neighbouring minibatches continue each other in the text, so the
hidden state carries over (detached from the graph) between minibatches.

**Greedy prediction**: feed the prefix to warm up the state, then repeatedly take the
argmax character and feed it back in. From a zero state, as the book does; a model trained with
consecutive sampling seldom saw one, so ctrl+y first feeds it training text (a warm-up).

## Exercises

The chapter's exercises (RNN from scratch, then the concise implementation), each with the
settings (setup form, or `rnnplay train` options) and keys that do it. Start a run for each
variant with F5: the runs table and the plot compare them.

- **Hyper-parameters** and their effect on perplexity and predictions: `--hidden`,
  `--num-steps`, `--batch-size`, `--lr`, `--epochs` in the form; F5 per variant, compare the
  curves, the runs table's perplexity and held-out perplexity, and the samples.
- **Sampling instead of argmax**: ctrl+t (temperature), ctrl+k (top-k), ctrl+r (another draw)
  in the prompt. Sharpening, q ∝ P^α, is temperature T = 1/α: T 0.5 is α 2, T 1 samples P.
- **φ = ReLU** instead of tanh: `--nonlinearity relu` (φ in the form), scratch or rnn. Does it
  still need clipping? Compare it with `--clip off`.
- **No clipping**: `--clip off`; F2 shows the gradient norm before clipping against θ.
- **Random vs consecutive sampling, and detaching**: `--sampling consecutive` with
  `--no-detach` carries the state's graph through the whole epoch: compare its time per epoch
  and perplexity with the detached run (memory grows with the epoch).
- **One-hot vs an embedding**: `--input embed --embed-dim 32`; F10 shows the odds and units.
- **Another book**: `--corpus timemachine`, the d2l English edition's *The Time Machine*,
  cleaned as the book does (`--preprocess d2l`, the default for it: lower-case letters and
  spaces; `--preprocess none` keeps the text as it is), or `--corpus PATH` for any text file.
- **Overfitting with the high-level API, more layers**: `--model rnn --layers 2` (or gru,
  lstm); the held-out perplexity (`--val-chars`) rising while the training one falls is
  overfitting.

## Sessions

ctrl+s saves the run (weights, optimizer, curves, samples, prompt) to its file, the first
time to a new one in saves/; F9 saves as. ctrl+o lists the saves and loads one beside the
others: F6 trains it on exactly where it stopped (past its target, F6 asks how far to go).
Quitting (ctrl+q, or a dropped SSH connection) saves unsaved progress first.
"""


def help_text() -> str:
    """The help, its key list built from the commands table (tui/commands.py)."""
    keys = "\n".join(f"- **{keys}**: {what}" for keys, what in key_rows())
    return HELP.replace("{keys}", keys)


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
        with VerticalScroll() as scroll:
            # On the border, where it shows whichever part of the help is scrolled to.
            scroll.border_title = "help · ↑/↓ PgUp/PgDn scroll · Esc closes"
            yield Markdown(help_text())
