"""What a session's meta document may hold, checked field by field before anything is built.

The checksums only prove a file is the one that was written; a crafted file can carry valid
checksums and any values. So every field is checked for its type and range here, with tensors
still unread (each one is a TensorSpec: dtype and shape from the header), and every tensor must
sit where the state expects one, with a size the saved model implies. That bounds what loading
reads and allocates, and no hostile value reaches torch, random or the trainer to fail there
with an OverflowError, a TypeError or worse. The settings go through the same TrainConfig
checks as the command line's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any, get_type_hints

import torch

from engine.config import MODELS, ConfigError, CorpusConfig, TrainConfig
from engine.data.corpus import Vocab
from engine.generation.prompt_settings import PromptSettings
from engine.session.types import CorpusRef
from engine.training.events import EpochEnd, ParamStats, Sample
from engine.training.trainer import make_optimizer

MAX_COUNT = 2**53  # counters (epochs, steps, characters): exact in JSON, far beyond real runs
MAX_TEXT = 1_000_000  # characters in a prompt, a sample or a corpus name
MAX_ITEMS = 10_000_000  # history entries and samples
# The largest number a session holds: the largest perplexity the trainer writes as a number
# (exp(700); above it writes inf). Far larger values overflow whatever uses them (an axis's
# 10**k ticks past the value), and no measurement of a run comes near.
MAX_REAL = math.exp(700)
MAX_RNG_BYTES = 65_536  # a CPU generator's state is 5,056 bytes
FLOAT_DTYPES = ("F32",)  # the trainer keeps weights, moments and states in float32
SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: never text by itself
SAVED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
META_FIELDS = ("saved_at", "summary", "corpus", "vocab", "prompt", "trainer", "tensors",
               "environment")
# Written since the app names its runs; files from before have none.
OPTIONAL_META_FIELDS = ("label", "prompt_settings")
TYPED_TEXT = ("prompt", "label")  # meta fields a user types
MAX_LABEL = 200  # characters in a run's label
MAX_STEPS = 100_000  # the num_steps setting's bound: values per epoch of the gradient flow
MAX_PARAMS = 4 * 16 + 4  # an nn model's tensors: 4 per layer (16 at most), embedding, dense
MAX_BINS = 4096  # values in a parameter's histogram (engine.inspect.weights.BINS: 32)
MAX_DIMS = 4


class SchemaError(ValueError):
    """A field holds a value a session never has; the message names the field."""


@dataclass(frozen=True)
class TensorSpec:
    """A tensor described by the header, not read yet."""

    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class MetaParts:
    """The checked top-level fields of a meta document."""

    saved_at: str
    corpus: CorpusRef
    vocab: Vocab
    prompt: str
    label: str  # the run's name in the app ("#2 scratch·random"); "" when saved without one
    prompt_settings: PromptSettings | None  # the prompt's decoding and length; None if not saved
    trainer: Any  # the encoded state (engine/session/codec.py), decoded by the caller
    environment: dict[str, str | None]


# ----------------------------------------------------------------------------- the meta document


def check_meta(meta: dict[str, Any], index: dict[str, tuple[str, tuple[int, ...]]]) -> MetaParts:
    """The top-level fields; the manifest must describe exactly the tensors in the header."""
    _keys(meta, META_FIELDS, "the metadata", optional=OPTIONAL_META_FIELDS)
    _no_surrogates({k: v for k, v in meta.items() if k not in TYPED_TEXT})
    check_summary(meta["summary"])
    vocab = _vocab(meta["vocab"])
    corpus = _corpus_ref(meta["corpus"], len(vocab))
    if _manifest(meta["tensors"]) != index:
        raise SchemaError("the tensor index does not match the manifest")
    return MetaParts(
        saved_at=check_saved_at(meta["saved_at"]),
        corpus=corpus,
        vocab=vocab,
        prompt=_typed_text(meta["prompt"], "prompt"),
        label=_typed_text(meta.get("label", ""), "label", MAX_LABEL),
        prompt_settings=_prompt_settings(meta.get("prompt_settings")),
        trainer=meta["trainer"],
        environment=_environment(meta["environment"]),
    )


def _prompt_settings(value: Any) -> PromptSettings | None:
    if value is None:  # saved before the prompt's settings were kept
        return None
    try:
        return PromptSettings.from_json(value)
    except ConfigError as e:
        raise SchemaError(f"prompt_settings: {e}") from None


def check_saved_at(value: Any) -> str:
    """The UTC time of the save, as "2026-01-01T12:00:00Z" (the listing sorts on it)."""
    if not (isinstance(value, str) and SAVED_AT.fullmatch(value)):
        raise SchemaError(f'saved_at must be a time like "2026-01-01T12:00:00Z", not '
                          f'{_show(value)}')
    return value


def check_summary(value: Any) -> dict[str, Any]:
    """The part a load screen shows (the listing reads nothing else)."""
    s = _keys(value, ("model", "epoch", "perplexity", "corpus"), "summary")
    if s["model"] not in MODELS:
        raise SchemaError(f"summary.model must be one of {', '.join(MODELS)}")
    _int(s["epoch"], "summary.epoch")
    if s["perplexity"] is not None:
        _real(s["perplexity"], "summary.perplexity", low=0.0)
    _text(s["corpus"], "summary.corpus")
    return s


def _vocab(value: Any) -> Vocab:
    if not (isinstance(value, list) and 0 < len(value) <= 0x110000):
        raise SchemaError("vocab must be a non-empty list of characters")
    if not all(isinstance(c, str) for c in value):
        raise SchemaError("vocab must hold characters only")
    try:
        return Vocab(value)
    except ValueError as e:
        raise SchemaError(f"vocab: {e}") from None


def _corpus_ref(value: Any, vocab_size: int) -> CorpusRef:
    c = _keys(value, ("name", "sha256", "max_chars", "vocab_size"), "corpus", ("preprocess",))
    sha = c["sha256"]
    if not (isinstance(sha, str) and len(sha) == 64 and all(x in "0123456789abcdef" for x in sha)):
        raise SchemaError("corpus.sha256 must be 64 hexadecimal digits")
    if c["vocab_size"] != vocab_size or type(c["vocab_size"]) is not int:
        raise SchemaError("corpus.vocab_size does not match the vocabulary")
    # The command line's corpus settings and bounds; a saved max_chars is the text's length.
    try:
        ref = CorpusConfig.from_dict({"corpus": c["name"], "max_chars": c["max_chars"],
                                      "preprocess": c.get("preprocess", "none")})
    except ConfigError as e:
        raise SchemaError(f"corpus: {e}") from None
    _int(ref.max_chars, "corpus.max_chars", low=1)
    if ref.preprocess == "auto":  # a save names what was done; "auto" depends on the name
        raise SchemaError("corpus.preprocess must be none or d2l")
    return CorpusRef(ref.corpus, sha, ref.max_chars, vocab_size, ref.preprocess)


def _manifest(value: Any) -> dict[str, tuple[str, tuple[int, ...]]]:
    if not isinstance(value, dict):
        raise SchemaError("tensors must be an object")
    out = {}
    for name, entry in value.items():
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], list) and all(type(d) is int for d in entry[1])):
            raise SchemaError(f"tensors[{name[:80]!r}] must be [dtype, shape]")
        out[name] = (entry[0], tuple(entry[1]))
    return out


def _environment(value: Any) -> dict[str, str | None]:
    if not (isinstance(value, dict) and len(value) <= 64):
        raise SchemaError("environment must be an object")
    for key, v in value.items():
        if not (v is None or (isinstance(v, str) and len(v) <= 1000)):
            raise SchemaError(f"environment.{key[:40]} must be a short text")
    return value


# ----------------------------------------------------------------------------- the trainer state


def check_config(value: Any, corpus_chars: int) -> TrainConfig:
    """The settings, through the command line's own checks (TrainConfig.from_dict, which
    checks each value's type and range, then check against the corpus)."""
    if not isinstance(value, dict):
        raise SchemaError("trainer.config must be an object")
    # Sessions from before held-out validation trained on all of their text: keep it so.
    value = {"val_chars": 0, **value}
    try:
        cfg = TrainConfig.from_dict(value)
        cfg.check(corpus_length=corpus_chars)
    except ConfigError as e:
        raise SchemaError(f"the saved settings are invalid: {e}") from None
    return cfg


def check_state(state: Any, cfg: TrainConfig, vocab_size: int, corpus_chars: int) -> None:
    """trainer_state() as decoded with TensorSpecs in place of tensors."""
    s = _keys(state, ("config", "epoch", "step", "model", "optimizer", "history", "samples",
                      "cursor", "rng"), "trainer", optional=("train_chars",))
    _int(s["epoch"], "trainer.epoch")
    _int(s["step"], "trainer.step")
    if "train_chars" in s:  # written since held-out validation
        _int(s["train_chars"], "trainer.train_chars", low=2, high=corpus_chars)
    weights = _model(s["model"], cfg, vocab_size)
    _optimizer(s["optimizer"], cfg, weights)
    _records(s["history"], EpochEnd, "trainer.history",
             infinite={"perplexity", "val_perplexity", "grad_through_time"})
    _records(s["samples"], Sample, "trainer.samples")
    if s["cursor"] is not None:
        _cursor(s["cursor"], cfg, corpus_chars)
    _rng(s["rng"])


def model_size(cfg: TrainConfig, vocab_size: int) -> int:
    """Parameter count of model_for(cfg, vocab_size)."""
    v, h = vocab_size, cfg.hidden
    output = h * v + v  # W_hq and b_q, or the dense layer
    # The first layer reads v numbers per character (one-hot), or d from a v x d embedding.
    table, width = (0, v) if cfg.embedding is None else (v * cfg.embedding, cfg.embedding)
    if cfg.model == "scratch":
        return table + width * h + h * h + h + output
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cfg.model]
    layers = sum(gates * h * ((width if i == 0 else h) + h + 2) for i in range(cfg.layers))
    return table + layers + output


def _model(value: Any, cfg: TrainConfig, vocab_size: int) -> list[TensorSpec]:
    # The exact shapes are checked when the model is built; the count bounds what is read.
    if not (isinstance(value, dict) and value):
        raise SchemaError("trainer.model must be an object of tensors")
    weights = [_tensor(v, f"trainer.model.{k}", FLOAT_DTYPES) for k, v in value.items()]
    if sum(w.numel for w in weights) != model_size(cfg, vocab_size):
        raise SchemaError(f"the weights do not fit a {cfg.model} model of the saved size")
    return weights


def _optimizer(value: Any, cfg: TrainConfig, weights: list[TensorSpec]) -> None:
    o = _keys(value, ("state", "param_groups"), "trainer.optimizer")
    reference = make_optimizer(cfg, [torch.nn.Parameter(torch.zeros(1))]).param_groups[0]
    groups = o["param_groups"]
    if not (isinstance(groups, list) and len(groups) == 1 and isinstance(groups[0], dict)):
        raise SchemaError("trainer.optimizer.param_groups must hold one group")
    missing = sorted(set(reference) - set(groups[0]))
    if missing:
        raise SchemaError(f"trainer.optimizer.param_groups lacks {', '.join(missing)}")
    for key, v in groups[0].items():
        where = f"trainer.optimizer.param_groups.{str(key)[:40]}"
        if key == "params":
            if v != list(range(len(weights))):
                raise SchemaError(f"{where} must list the model's parameters in order")
        elif key in ("lr", "initial_lr"):
            _real(v, where, low=0.0)
        elif key in reference:
            # eps, betas, fused, capturable...: what this rnnplay sets, nothing a file chooses
            if v != reference[key] or type(v) is not type(reference[key]):
                raise SchemaError(f"{where} is not the setting rnnplay uses")
        elif not (v is None or isinstance(v, bool | str) and len(str(v)) <= 64):
            raise SchemaError(f"{where} has an unexpected value")  # from a newer torch
    slots = o["state"]
    if not isinstance(slots, dict):
        raise SchemaError("trainer.optimizer.state must be an object")
    names = _slot_names(cfg)
    for index, entry in slots.items():
        if not (type(index) is int and 0 <= index < len(weights) and isinstance(entry, dict)):
            raise SchemaError("trainer.optimizer.state refers to a parameter the model lacks")
        where = f"trainer.optimizer.state.{index}"
        if entry:  # SGD keeps nothing per parameter: {} or no entry
            _keys(entry, names, where)
        for name, v in entry.items():
            if name == "step":
                # a 0-d tensor (an int from torch before 1.12); its value is checked once read
                if not (type(v) is int or isinstance(v, TensorSpec)):
                    raise SchemaError(f"{where}.step must be a whole number")
                if isinstance(v, TensorSpec) and _tensor(v, f"{where}.step", FLOAT_DTYPES).shape:
                    raise SchemaError(f"{where}.step must be a single number")
            elif _tensor(v, f"{where}.{name}", FLOAT_DTYPES).shape != weights[index].shape:
                raise SchemaError(f"{where}.{name} does not have its parameter's shape "
                                  f"{list(weights[index].shape)}")


def _slot_names(cfg: TrainConfig) -> tuple[str, ...]:
    """What the optimizer keeps per parameter once it has stepped (Adam: step, exp_avg,
    exp_avg_sq; SGD without momentum: nothing), asked of torch itself."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = make_optimizer(cfg, [param])
    param.grad = torch.zeros(1)
    optimizer.step()
    return tuple(optimizer.state[param])


def _records(value: Any, record: type, where: str, infinite: frozenset[str] | set[str] = frozenset()
             ) -> None:
    """A list of dataclass records as plain dicts (EpochEnd, Sample), typed by the record.
    Fields with a default were added later: older files lack them."""
    if not (isinstance(value, list) and len(value) <= MAX_ITEMS):
        raise SchemaError(f"{where} must be a list")
    hints = get_type_hints(record)
    names = tuple(f.name for f in fields(record) if f.default is MISSING)
    later = tuple(f.name for f in fields(record) if f.default is not MISSING)
    checks: dict[Any, Callable[[Any, str], Any]] = {int: _int, str: _text}
    for i, entry in enumerate(value):
        item = _keys(entry, names, f"{where}[{i}]", optional=later)
        for name in (n for n in names + later if n in item):
            here, v, hint = f"{where}[{i}].{name}", item[name], hints[name]
            if hint == float | None and v is None:
                continue
            if hint in (float, float | None):
                _real(v, here, infinite=name in infinite)
            elif hint == tuple[ParamStats, ...]:
                if not (isinstance(v, list | tuple) and len(v) <= MAX_PARAMS):
                    raise SchemaError(f"{here} must be a list of at most {MAX_PARAMS} records")
                for j, stats in enumerate(v):
                    _param_stats(stats, f"{here}[{j}]")
            elif hint == tuple[float, ...]:
                if not (isinstance(v, tuple | list) and len(v) <= MAX_STEPS):
                    raise SchemaError(f"{here} must be a list of at most {MAX_STEPS} numbers")
                for x in v:
                    _real(x, here, infinite=name in infinite)
            else:
                checks[hint](v, here)


def _param_stats(value: Any, where: str) -> None:
    """One ParamStats as a plain dict (written since the weights over time)."""
    p = _keys(value, tuple(f.name for f in fields(ParamStats)), where)
    _text(p["name"], f"{where}.name", MAX_LABEL)
    for name, limit in (("shape", MAX_DIMS), ("quantiles", 5), ("histogram", MAX_BINS)):
        if not (isinstance(p[name], list | tuple) and len(p[name]) <= limit):
            raise SchemaError(f"{where}.{name} must be a list of at most {limit} numbers")
    for d in p["shape"]:
        _int(d, f"{where}.shape")
    for c in p["histogram"]:
        _int(c, f"{where}.histogram")
    for x in p["quantiles"]:
        _real(x, f"{where}.quantiles")
    _real(p["norm"], f"{where}.norm", low=0.0)
    if p["update_ratio"] is not None:
        _real(p["update_ratio"], f"{where}.update_ratio", low=0.0)


def _cursor(value: Any, cfg: TrainConfig, corpus_chars: int) -> None:
    c = _keys(value, ("starts", "batch", "loss_sum", "tokens", "norm_sum", "seconds", "state"),
              "trainer.cursor", optional=("clipped",))
    starts = _tensor(c["starts"], "trainer.cursor.starts", ("I64",))
    if not (len(starts.shape) == 2 and starts.shape[1] == cfg.batch_size and starts.shape[0]):
        raise SchemaError("trainer.cursor.starts has the wrong shape")
    if starts.numel * cfg.num_steps > corpus_chars:
        raise SchemaError("trainer.cursor.starts holds more batches than the corpus has")
    _int(c["batch"], "trainer.cursor.batch", high=starts.shape[0])
    _int(c["tokens"], "trainer.cursor.tokens")
    _int(c.get("clipped", 0), "trainer.cursor.clipped", high=int(c["batch"]))
    for name in ("loss_sum", "norm_sum", "seconds"):
        _real(c[name], f"trainer.cursor.{name}", low=0.0)
    hidden = c["state"]
    if hidden is None:
        return
    if not (isinstance(hidden, list) and 1 <= len(hidden) <= 2):
        raise SchemaError("trainer.cursor.state must be a list of tensors")
    for i, h in enumerate(hidden):
        t = _tensor(h, f"trainer.cursor.state[{i}]", FLOAT_DTYPES)
        if t.numel != cfg.layers * cfg.batch_size * cfg.hidden:
            raise SchemaError("trainer.cursor.state does not fit the model")


def _rng(value: Any) -> None:
    r = _keys(value, ("sampling", "torch", "python", "cuda"), "trainer.rng")
    for name in ("sampling", "torch"):
        _bytes_tensor(r[name], f"trainer.rng.{name}", MAX_RNG_BYTES)
    py = r["python"]
    # random.setstate's own form: version 3, 624 words of 32 bits and a position up to 624.
    if not (isinstance(py, list) and len(py) == 3 and py[0] == 3 and type(py[0]) is int):
        raise SchemaError("trainer.rng.python is not a random module state")
    words = py[1]
    if not (isinstance(words, list) and len(words) == 625
            and all(type(w) is int and 0 <= w < 2**32 for w in words) and words[-1] <= 624):
        raise SchemaError("trainer.rng.python is not a random module state")
    if py[2] is not None:
        _real(py[2], "trainer.rng.python.gauss")
    cuda = r["cuda"]
    if cuda is not None:
        if not (isinstance(cuda, list) and len(cuda) <= 64):
            raise SchemaError("trainer.rng.cuda must be a list of generator states")
        for i, state in enumerate(cuda):
            _bytes_tensor(state, f"trainer.rng.cuda[{i}]", 1024)


# ----------------------------------------------------------------------------- values


def _keys(
    value: Any, names: tuple[str, ...], where: str, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(f"{where} must be an object")
    if set(value) - set(optional) != set(names):
        odd = sorted(map(str, (set(value) - set(optional)) ^ set(names)))[:3]
        raise SchemaError(f"{where} has missing or unexpected fields ({', '.join(odd)})")
    return value


def _int(value: Any, where: str, low: int = 0, high: int = MAX_COUNT) -> int:
    if type(value) is not int or not low <= value <= high:
        raise SchemaError(f"{where} must be a whole number from {low} to {high}, "
                          f"not {_show(value)}")
    return value


def _real(value: Any, where: str, low: float = -math.inf, infinite: bool = False) -> float:
    """A number no larger than MAX_REAL either way (inf where `infinite`: the trainer writes it
    for a perplexity too large to hold); NaN never."""
    if type(value) is int:  # JSON integers have no size limit; math.isfinite would overflow
        ok = abs(value) <= MAX_REAL
    else:
        ok = type(value) is float and (abs(value) <= MAX_REAL or (infinite and value == math.inf))
    if not ok or value < low:
        least = f"{low:g}" if low > -math.inf else f"{-MAX_REAL:.3g}"
        raise SchemaError(f"{where} must be a number from {least} to {MAX_REAL:.3g}"
                          f"{' or inf' if infinite else ''}, not {_show(value)}")
    return float(value)


def _text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not (isinstance(value, str) and len(value) <= limit):
        raise SchemaError(f"{where} must be a text of at most {limit} characters")
    _no_surrogate(value, where)
    return value


def _typed_text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    """Text a user typed, saved as it was given: a lone surrogate in it comes back as U+FFFD
    (printable), rather than losing the session for one unprintable character."""
    if not (isinstance(value, str) and len(value) <= limit):
        raise SchemaError(f"{where} must be a text of at most {limit} characters")
    return SURROGATE.sub("\ufffd", value)


def _no_surrogates(doc: Any) -> None:
    """Every text in the document, keys included, must be one a terminal can print.

    JSON's \\u escapes can spell half of a UTF-16 pair (U+D800 to U+DFFF) alone; Python keeps
    it in a str, which then fails the moment it is written out as UTF-8 (printing a sample,
    saving the epoch just trained), so it is refused here, before anything shows or saves it."""
    # (value, where its parent is, its key or index); a place is spelled out only for a message
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        value, place = stack.pop()
        if isinstance(value, str) and SURROGATE.search(value):
            _no_surrogate(value, _spell(place))
        elif isinstance(value, list):
            stack.extend((v, (*place, i)) for i, v in enumerate(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                if SURROGATE.search(k):
                    _no_surrogate(k, f"a key in {_spell(place) or 'the metadata'}")
                stack.append((v, (*place, k)))


def _spell(place: tuple[str | int, ...]) -> str:
    """("trainer", "samples", 0, "prefix") -> "trainer.samples[0].prefix"."""
    out = ""
    for key in place:
        out += f"[{key}]" if isinstance(key, int) else f".{key}" if out else key
    return out


def _no_surrogate(text: str, where: str) -> None:
    found = SURROGATE.search(text)
    if found:
        raise SchemaError(f"{where} holds a lone surrogate (U+{ord(found.group()):04X}), which "
                          "is not text: the file was crafted or damaged")


def _tensor(value: Any, where: str, dtypes: tuple[str, ...]) -> TensorSpec:
    if not isinstance(value, TensorSpec) or value.dtype not in dtypes:
        raise SchemaError(f"{where} must be a tensor of {' or '.join(dtypes)}")
    return value


def _bytes_tensor(value: Any, where: str, limit: int) -> None:
    t = _tensor(value, where, ("U8",))
    if len(t.shape) != 1 or t.numel > limit:
        raise SchemaError(f"{where} is not a generator state")


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, TensorSpec) else "a tensor"
    return text if len(text) <= 40 else text[:37] + "..."
