"""Every setting as a field of a typed dataclass, declared once: the book's hyper-parameters are
the defaults.

Each field carries everything the rest of the program needs to know about it (`setting(...)`,
engine/config/spec.py): its help text, choices, bounds, the setup form's label, and whether it
may change when a saved session trains on. Both commands' options (rnnplay/options.py) and the
app's setup form (tui/widgets/setup.py) are built from these declarations, and `check` bounds
every value, whether it came from the command line, the form or a session file. A new
hyper-parameter is one field here plus its use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from engine.config.prefixes import BOOK_PREFIXES
from engine.config.spec import ConfigBase, ConfigError, setting, specs

MODELS = ("scratch", "rnn", "gru", "lstm")
SAMPLINGS = ("random", "consecutive")
# φ of the plain RNN (scratch and nn.RNN): the book's tanh, or ReLU (its exercise; nn.RNN's
# `nonlinearity`). engine.models.recurrence has a recurrence for each.
NONLINEARITIES = ("tanh", "relu")
# The first layer's input: the book's one-hot vectors, or a learned embedding
# (engine/models/char_input.py).
INPUTS = ("onehot", "embed")
# The book trains its from-scratch model with plain SGD at lr 100 (the loss is a mean over
# batch*steps, so gradients are tiny) and the nn.RNN model with Adam at 1e-3: each model family
# has its optimizer and its own default lr.
OPTIMIZER = {"scratch": "SGD", "rnn": "Adam", "gru": "Adam", "lstm": "Adam"}
BOOK_LR = {"scratch": 100.0, "rnn": 1e-3, "gru": 1e-3, "lstm": 1e-3}
# What is done to a corpus's text first (engine/data/preprocess.py): "auto" is the book's for
# the corpus it cleans (d2l for timemachine), none for the others.
PREPROCESSING = ("auto", "none", "d2l")

# The models hold float32 weights: a larger lr or clip threshold is not a float32 number.
FLOAT32_MAX = 3.4028234663852886e38
# torch.manual_seed takes any value that fits an int64 or a uint64.
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1
# libgomp aborts somewhere past 30,000 threads and segfaults at 100,000; 1,024 threads start
# and train on a 2-core machine (only slowly), so a session from a big machine still resumes.
MAX_THREADS = 1024
MAX_PREFIXES = 16  # sample prompts
MAX_VAL_CHARS = 10_000_000  # held out after the training text; evaluated on a bounded sample


@dataclass(frozen=True)
class TrainConfig(ConfigBase):
    # the book's explicit equations ("scratch") or torch's nn.RNN/GRU/LSTM cells with Adam
    model: str = setting(
        "scratch", "the book's from-scratch RNN, or an nn model", choices=MODELS, label="model"
    )
    # φ in H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h): scratch and rnn only (GRU/LSTM gates fix theirs)
    nonlinearity: str = setting(
        "tanh", "φ of the scratch model and nn.RNN (the book: tanh)", choices=NONLINEARITIES,
        label="φ",
    )
    # minibatch sampling (book 6.3): random offsets, or consecutive with the state carried over
    sampling: str = setting(
        "random", "minibatch sampling", choices=SAMPLINGS, label="sampling"
    )
    # consecutive sampling: cut the gradient at each batch boundary (the book's), or carry the
    # state's graph through the whole epoch (full BPTT: memory and time grow with the epoch)
    detach: bool = setting(
        True, "detach the hidden state between consecutive batches (the book's); --no-detach "
        "backpropagates through the whole epoch so far, whose memory and time grow with it",
        label="detach",
    )
    # stacked recurrent layers; the scratch model has exactly one
    layers: int = setting(1, "recurrent layers (nn models only)", ge=1, le=16, label="layers")
    # hidden units per layer (the book's num_hiddens)
    hidden: int = setting(256, "hidden units per layer", ge=1, le=8192, label="hidden")
    # what the first layer reads: the book's one-hot vectors, or a learned embedding of embed_dim
    input: str = setting(
        "onehot", "the first layer's input: one-hot vectors (the book's) or a learned embedding",
        choices=INPUTS, label="input",
    )
    # the embedding's size when input is "embed" (one-hot is an embedding of the vocabulary's size)
    embed_dim: int = setting(
        64, "embedding size d for --input embed", noun="embedding size", ge=1, le=8192,
        label="embed d",
    )
    # learning rate; a config built without one gets its model's (BOOK_LR, in __post_init__)
    lr: float = setting(
        None,
        f"learning rate (default: the book's, {BOOK_LR['scratch']:g} for scratch with SGD, "
        f"{BOOK_LR['rnn']:g} for the nn models with Adam)",
        noun="learning rate", gt=0, le=FLOAT32_MAX, label="lr",
    )
    # gradients are rescaled when their global L2 norm exceeds this; None: never (the norm is
    # still measured and shown)
    clip: float | None = setting(
        0.01, "gradient-norm clipping threshold θ, or off (the norm is still measured)",
        noun="clip threshold", gt=0, le=FLOAT32_MAX, label="clip θ", none="off", suggest=("off",),
    )
    # sequences per minibatch
    batch_size: int = setting(32, "sequences per minibatch", ge=1, le=100_000, label="batch")
    # time steps per sequence (truncated BPTT length)
    num_steps: int = setting(
        35, "time steps per sequence", noun="steps", ge=1, le=100_000, label="steps"
    )
    # train until this many epochs have completed
    epochs: int = setting(
        250, "train until this epoch", ge=0, le=10_000_000, label="epochs", resumable=True
    )
    # "auto" follows the machine a session is resumed on (CUDA when there is one)
    device: str = setting("auto", "auto, cpu, cuda or cuda:N", label="device", resumable=True)
    # seeds weight init and sampling, so runs repeat
    seed: int = setting(
        0, "seeds the weights and the sampling order", ge=SEED_MIN, le=SEED_MAX, label="seed"
    )
    # prompts predicted every pred_period epochs
    prefixes: tuple[str, ...] = setting(
        BOOK_PREFIXES,
        "comma-separated sample prompts (default: 分开,不分开 for jaychou, time traveller,"
        "traveller for timemachine, else the starts of the corpus's first lines)",
        le=MAX_PREFIXES, shown_only=True, label="prefixes",
    )
    # epochs between sample predictions (0 = never)
    pred_period: int = setting(
        50, "epochs between sample predictions (0 = never)", noun="prediction period", ge=0,
        le=10_000_000, shown_only=True, label="pred each",
    )
    # characters predicted after each prefix
    pred_len: int = setting(
        50, "characters predicted after each prompt", noun="prediction length", ge=1,
        le=10_000, shown_only=True, label="pred len",
    )
    # torch intra-op threads; None leaves torch's choice
    threads: int | None = setting(
        None, "torch intra-op threads", ge=1, le=MAX_THREADS, resumable=True
    )
    # held-out characters for the validation perplexity (engine/data/validation.py)
    val_chars: int = setting(
        1_000,
        "held-out characters for a validation perplexity: the ones right after the training "
        "text when the corpus has that many, else the last tenth of the text (training then "
        "uses the rest); 0 = off. On the book's settings it shows the memorization a training "
        "perplexity near 1.0 hides",
        noun="validation characters", ge=0, le=MAX_VAL_CHARS, label="val chars",
    )
    # a long epoch is cut to this many batches (engine/training/trainer.py says which)
    epoch_batches: int = setting(
        0, "at most N batches per epoch, so a big corpus gives frequent epochs (0 = all)",
        noun="batches per epoch", ge=0, le=100_000_000, label="epoch cap",
    )
    # seconds of training between extra sample predictions (besides pred_period's)
    pred_seconds: int = setting(
        0, "also predict samples after every N seconds of training (0 = only by epochs)",
        noun="prediction interval", ge=0, le=10_000_000, shown_only=True, label="pred secs",
    )

    def __post_init__(self) -> None:
        # The lr is resolved here, once, wherever the config is built (the command line, the
        # form, a session file that stored none): no "the default" travels further. An unknown
        # model keeps None, which check() refuses by the model's name.
        if self.lr is None:
            object.__setattr__(self, "lr", BOOK_LR.get(self.model))

    @property
    def optimizer_name(self) -> str:
        """"SGD" or "Adam": the model family's optimizer (the book's)."""
        return OPTIMIZER[self.model]

    @property
    def embedding(self) -> int | None:
        """The learned embedding's size d, or None for the book's one-hot input."""
        return self.embed_dim if self.input == "embed" else None

    def check(self, corpus_length: int | None = None) -> None:
        """Raise ConfigError naming the first setting that cannot work."""
        self.check_values()
        if self.nonlinearity != "tanh" and self.model in ("gru", "lstm"):
            raise ConfigError(
                f"nonlinearity {self.nonlinearity} is for scratch and rnn: {self.model}'s gates "
                "fix their own (sigmoid, tanh)",
                "nonlinearity",
            )
        if self.model == "scratch" and self.layers != 1:
            raise ConfigError(
                "the scratch model has one layer; use rnn/gru/lstm for more", "layers"
            )
        if not self.detach and self.sampling == "random":
            raise ConfigError(
                "not detaching the state needs consecutive sampling: random sampling starts "
                "every batch from zeros, so no state goes from one batch to the next; choose "
                "consecutive sampling or detach",
                "detach",
            )
        if corpus_length is not None:
            self._check_fits(corpus_length)

    def with_shown(self, changes: Mapping[str, Any]) -> TrainConfig:
        """This config with settings that only change what is shown replaced (a resumed run's
        new sample prompts, say); anything else in `changes` is refused by name."""
        shown = {spec.name for spec in specs(TrainConfig) if spec.setting.shown_only}
        fixed = [name for name in changes if name not in shown]
        if fixed:
            raise ConfigError(f"{', '.join(fixed)} cannot change when a session trains on",
                              fixed[0])
        config = replace(self, **changes)
        config.check_values()
        return config

    def _check_fits(self, n: int) -> None:
        # Both samplers must yield at least one full batch, as the book's iterators define them.
        random_batches = ((n - 1) // self.num_steps) // self.batch_size
        consecutive_batches = ((n // self.batch_size) - 1) // self.num_steps
        batches = random_batches if self.sampling == "random" else consecutive_batches
        if batches < 1:
            need = self.batch_size * self.num_steps + 1
            raise ConfigError(
                f"the corpus has {n} characters, too few for one batch of {self.batch_size} x "
                f"{self.num_steps} steps (needs about {need}); lower the batch size or steps",
                "batch_size",
            )


@dataclass(frozen=True)
class CorpusConfig(ConfigBase):
    """Which text to train on: passed to load_corpus, kept apart from how to train."""

    # a built-in name wins over a file of the same name ("./jaychou" for the file)
    corpus: str = setting(
        "jaychou",
        "jaychou (the book's lyrics), timemachine (H. G. Wells, the d2l English edition's "
        "book), pysrc (Python source) or a UTF-8 text file",
        label="corpus", suggest=("jaychou", "timemachine", "pysrc"),
    )
    # the d2l English edition trains on The Time Machine cleaned to letters and spaces
    preprocess: str = setting(
        "auto",
        "the text first: d2l keeps letters (lower-cased) and spaces and joins the lines, as the "
        "book's read_time_machine; none keeps it as it is; auto is d2l for timemachine, none "
        "for the others",
        choices=PREPROCESSING, noun="preprocessing",
    )
    # the book trains on the first 10,000 characters; 0 keeps the whole text
    max_chars: int = setting(
        10_000, "use the first N characters of the corpus (0 = all)", noun="max chars", ge=0,
        le=100_000_000, label="max chars",
    )

    def check(self) -> None:
        self.check_values()
        if not self.corpus.strip():
            raise ConfigError("corpus is empty: give jaychou, timemachine, pysrc or a file",
                              "corpus")


# What the prompt's warm-up key steps through (tui/widgets/decoding_keys.py): from zeros (the
# book's), a stretch as long as a few batches' steps, a long one.
WARMUPS = (0, 100, 1000)


@dataclass(frozen=True)
class DecodingConfig(ConfigBase):
    """How a completion of the prompt begins (engine.generation.decoding.Decoding carries it with
    the temperature and top-k)."""

    # Consecutive sampling carries the state from batch to batch, so such a model sees a zero
    # state once an epoch and may complete badly from one (engine/data/layout.py); reading
    # training text first gives it the kind of state it trained from.
    warmup: int = setting(
        0, "read the first N characters of the training text before the prompt, so the "
        "completion does not start from a zero state (0 = from zeros, the book's predict)",
        noun="warm-up", ge=0, le=WARMUPS[-1] * 10, label="warm-up",
        suggest=tuple(map(str, WARMUPS)),
    )
