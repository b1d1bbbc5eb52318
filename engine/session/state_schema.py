"""What a session's trainer state may hold (meta document's `trainer`, engine/session/schema.py
checks the rest): the settings through TrainConfig's own checks, then each weight, optimizer slot,
history record, cursor and generator state for its type, range and a shape the saved model implies,
with tensors still unread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any, get_type_hints

import torch

from engine.config import ConfigError, TrainConfig
from engine.session import field_checks as check
from engine.session.field_checks import SchemaError, TensorSpec
from engine.session.schema import MAX_LABEL
from engine.training.events import EpochEnd, ParamStats, Sample
from engine.training.trainer import make_optimizer

MAX_ITEMS = 10_000_000  # history entries and samples
MAX_RNG_BYTES = 65_536  # a CPU generator's state is 5,056 bytes
FLOAT_DTYPES = ("F32",)  # the trainer keeps weights, moments and states in float32
MAX_STEPS = 100_000  # the num_steps setting's bound: values per epoch of the gradient flow
MAX_PARAMS = 4 * 16 + 4  # an nn model's tensors: 4 per layer (16 at most), embedding, dense
MAX_BINS = 4096  # values in a parameter's histogram (engine.inspect.weights.BINS: 32)
MAX_DIMS = 4


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
    s = check.keys(state, ("config", "epoch", "step", "model", "optimizer", "history", "samples",
                      "cursor", "rng"), "trainer", optional=("train_chars",))
    check.whole(s["epoch"], "trainer.epoch")
    check.whole(s["step"], "trainer.step")
    if "train_chars" in s:  # written since held-out validation
        check.whole(s["train_chars"], "trainer.train_chars", low=2, high=corpus_chars)
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
    weights = [check.tensor(v, f"trainer.model.{k}", FLOAT_DTYPES) for k, v in value.items()]
    if sum(w.numel for w in weights) != model_size(cfg, vocab_size):
        raise SchemaError(f"the weights do not fit a {cfg.model} model of the saved size")
    return weights


def _optimizer(value: Any, cfg: TrainConfig, weights: list[TensorSpec]) -> None:
    o = check.keys(value, ("state", "param_groups"), "trainer.optimizer")
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
            check.real(v, where, low=0.0)
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
            check.keys(entry, names, where)
        for name, v in entry.items():
            if name == "step":
                # a 0-d tensor (an int from torch before 1.12); its value is checked once read
                if not (type(v) is int or isinstance(v, TensorSpec)):
                    raise SchemaError(f"{where}.step must be a whole number")
                if (isinstance(v, TensorSpec)
                        and check.tensor(v, f"{where}.step", FLOAT_DTYPES).shape):
                    raise SchemaError(f"{where}.step must be a single number")
            elif check.tensor(v, f"{where}.{name}", FLOAT_DTYPES).shape != weights[index].shape:
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
    checks: dict[Any, Callable[[Any, str], Any]] = {int: check.whole, str: check.text}
    for i, entry in enumerate(value):
        item = check.keys(entry, names, f"{where}[{i}]", optional=later)
        for name in (n for n in names + later if n in item):
            here, v, hint = f"{where}[{i}].{name}", item[name], hints[name]
            if hint == float | None and v is None:
                continue
            if hint in (float, float | None):
                check.real(v, here, infinite=name in infinite)
            elif hint == tuple[ParamStats, ...]:
                if not (isinstance(v, list | tuple) and len(v) <= MAX_PARAMS):
                    raise SchemaError(f"{here} must be a list of at most {MAX_PARAMS} records")
                for j, stats in enumerate(v):
                    _param_stats(stats, f"{here}[{j}]")
            elif hint == tuple[float, ...]:
                if not (isinstance(v, tuple | list) and len(v) <= MAX_STEPS):
                    raise SchemaError(f"{here} must be a list of at most {MAX_STEPS} numbers")
                for x in v:
                    check.real(x, here, infinite=name in infinite)
            else:
                checks[hint](v, here)


def _param_stats(value: Any, where: str) -> None:
    """One ParamStats as a plain dict (written since the weights over time)."""
    p = check.keys(value, tuple(f.name for f in fields(ParamStats)), where)
    check.text(p["name"], f"{where}.name", MAX_LABEL)
    for name, limit in (("shape", MAX_DIMS), ("quantiles", 5), ("histogram", MAX_BINS)):
        if not (isinstance(p[name], list | tuple) and len(p[name]) <= limit):
            raise SchemaError(f"{where}.{name} must be a list of at most {limit} numbers")
    for d in p["shape"]:
        check.whole(d, f"{where}.shape")
    for c in p["histogram"]:
        check.whole(c, f"{where}.histogram")
    for x in p["quantiles"]:
        check.real(x, f"{where}.quantiles")
    check.real(p["norm"], f"{where}.norm", low=0.0)
    if p["update_ratio"] is not None:
        check.real(p["update_ratio"], f"{where}.update_ratio", low=0.0)


def _cursor(value: Any, cfg: TrainConfig, corpus_chars: int) -> None:
    c = check.keys(value, ("starts", "batch", "loss_sum", "tokens", "norm_sum", "seconds", "state"),
              "trainer.cursor", optional=("clipped",))
    starts = check.tensor(c["starts"], "trainer.cursor.starts", ("I64",))
    if not (len(starts.shape) == 2 and starts.shape[1] == cfg.batch_size and starts.shape[0]):
        raise SchemaError("trainer.cursor.starts has the wrong shape")
    if starts.numel * cfg.num_steps > corpus_chars:
        raise SchemaError("trainer.cursor.starts holds more batches than the corpus has")
    check.whole(c["batch"], "trainer.cursor.batch", high=starts.shape[0])
    check.whole(c["tokens"], "trainer.cursor.tokens")
    check.whole(c.get("clipped", 0), "trainer.cursor.clipped", high=int(c["batch"]))
    for name in ("loss_sum", "norm_sum", "seconds"):
        check.real(c[name], f"trainer.cursor.{name}", low=0.0)
    hidden = c["state"]
    if hidden is None:
        return
    if not (isinstance(hidden, list) and 1 <= len(hidden) <= 2):
        raise SchemaError("trainer.cursor.state must be a list of tensors")
    for i, h in enumerate(hidden):
        t = check.tensor(h, f"trainer.cursor.state[{i}]", FLOAT_DTYPES)
        if t.numel != cfg.layers * cfg.batch_size * cfg.hidden:
            raise SchemaError("trainer.cursor.state does not fit the model")


def _rng(value: Any) -> None:
    r = check.keys(value, ("sampling", "torch", "python", "cuda"), "trainer.rng")
    for name in ("sampling", "torch"):
        check.bytes_tensor(r[name], f"trainer.rng.{name}", MAX_RNG_BYTES)
    py = r["python"]
    # random.setstate's own form: version 3, 624 words of 32 bits and a position up to 624.
    if not (isinstance(py, list) and len(py) == 3 and py[0] == 3 and type(py[0]) is int):
        raise SchemaError("trainer.rng.python is not a random module state")
    words = py[1]
    if not (isinstance(words, list) and len(words) == 625
            and all(type(w) is int and 0 <= w < 2**32 for w in words) and words[-1] <= 624):
        raise SchemaError("trainer.rng.python is not a random module state")
    if py[2] is not None:
        check.real(py[2], "trainer.rng.python.gauss")
    cuda = r["cuda"]
    if cuda is not None:
        if not (isinstance(cuda, list) and len(cuda) <= 64):
            raise SchemaError("trainer.rng.cuda must be a list of generator states")
        for i, state in enumerate(cuda):
            check.bytes_tensor(state, f"trainer.rng.cuda[{i}]", 1024)
