"""Training the character models the book's way, one batch at a time, controllable from a UI.

The loop is the book's train_and_predict_rnn: sample a minibatch, (re)start or detach the hidden
state, forward, mean cross-entropy, backward, clip, step; perplexity is exp(mean loss) over the
epoch. Everything a UI needs arrives as events through `on_event`, and the controls (pause,
resume, stop, set_lr, set_epochs, call_soon) are safe to call from any thread: they take effect
between batches, on the trainer's thread, so the model is never touched mid-step.

After each epoch it also measures what training alone does not show: the perplexity on held-out
text (engine/data/validation.py) and the gradient's flow through time on the epoch's last batch
(engine/inspect/grad_flow.py). Neither draws a random number, so a run is the same with them or
without.
"""

from __future__ import annotations

import math
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from engine.config import ConfigError, TrainConfig
from engine.data.corpus import Corpus
from engine.data.sampling import batch_at, consecutive_starts, random_starts
from engine.data.validation import HeldOut, perplexity, split
from engine.generation.generate import predict
from engine.inspect.grad_flow import grad_through_time
from engine.models.char_rnn import State, build_model, detach_state
from engine.training.clipping import clip_gradients
from engine.training.device import resolve_device
from engine.training.events import BatchEnd, EpochEnd, RunState, Sample, StatusChanged, TrainerEvent
from engine.training.snapshots import SnapshotBox

# The gradient-flow probe may take at most this share of training time. Its pass is a few hundred
# small ops one after another, so its cost is mostly per op: on the CPU at the book's sizes it is
# ~2% of an epoch and runs every epoch; on a GPU, where the epoch itself is a few dozen fused
# kernels, it cost a third of every epoch (bench/RESULTS.md) and now runs about once a second.
FLOW_SHARE = 0.02


class Diverged(RuntimeError):
    """The loss or gradient went non-finite; the weights were left as they were before."""


@dataclass
class EpochCursor:
    """An epoch in progress: enough to pause, save and resume it mid-way."""

    starts: torch.Tensor  # (batches, batch_size) sequence offsets for this epoch
    batch: int = 0  # batches done
    loss_sum: float = 0.0  # sum of per-token cross-entropy so far
    tokens: int = 0  # predicted characters so far
    norm_sum: float = 0.0  # sum of pre-clipping gradient norms so far
    clipped: int = 0  # steps whose gradient norm exceeded the clip threshold
    seconds: float = 0.0  # training time so far (pauses excluded)
    state: State | None = None  # consecutive sampling carries the hidden state across batches


def make_optimizer(cfg: TrainConfig, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    if cfg.optimizer_name == "SGD":
        # The book's d2l.sgd with batch_size=1: p -= lr * grad (the loss is already a mean).
        return torch.optim.SGD(params, lr=cfg.lr)
    return torch.optim.Adam(params, lr=cfg.lr)


class Trainer:
    def __init__(
        self,
        corpus: Corpus,
        config: TrainConfig,
        on_event: Callable[[TrainerEvent], None] | None = None,
        *,
        train_chars: int | None = None,
    ) -> None:
        """train_chars: how much of the corpus a saved session trained on (its state's
        "train_chars"), so the split it was trained with is kept; default:
        engine.data.validation's."""
        config.check()
        self.corpus, self.config = corpus, config
        self.device = resolve_device(config.device)
        self._split(train_chars)
        if config.threads:
            torch.set_num_threads(config.threads)
        self.on_event = on_event or (lambda event: None)
        # Weights come from the seed without disturbing anyone else's use of torch's global RNG.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = build_model(config.model, len(corpus.vocab), config.hidden, config.layers)
        self.model = model.to(self.device)
        self.params = list(self.model.parameters())
        self.optimizer = make_optimizer(config, self.params)
        self.generator = torch.Generator().manual_seed(config.seed)  # sampling order only
        self.epoch = 0  # epochs completed
        self.step = 0  # optimizer steps taken
        self.target_epochs = config.epochs
        self.history: list[EpochEnd] = []
        self.samples: list[Sample] = []
        self.status = RunState.IDLE
        self.cursor: EpochCursor | None = None
        # The epoch's latest batch (X, Y, the state it started from), for the gradient flow.
        self._latest: tuple[torch.Tensor, torch.Tensor, State] | None = None
        self._unsampled = 0.0  # training seconds since the last sample predictions
        self._unflowed = math.inf  # training seconds since the gradient flow was last measured
        self._flow_cost = 0.0  # seconds that measurement took
        self.snapshots = SnapshotBox()
        self.snapshots.publish(self.model, force=True)
        self._commands: queue.SimpleQueue[Callable[[Trainer], None]] = queue.SimpleQueue()
        self._resume = threading.Event()
        self._resume.set()
        self._stop = threading.Event()
        self._running = threading.Lock()
        # Uniform guessing scores log(V); ten times that (perplexity V^10) only happens when the
        # steps have blown the weights up, and soon after the loss would overflow to inf/NaN.
        self._loss_ceiling = 10 * math.log(len(corpus.vocab))

    def _split(self, train_chars: int | None) -> None:
        """Choose the training text and the held-out one (train_chars: a saved session's)."""
        cfg = self.config
        self.held_out: HeldOut | None = split(self.corpus, cfg.val_chars, train_chars)
        n = self.held_out.train_chars if self.held_out else len(self.corpus.indices)
        try:
            cfg.check(n)
        except ConfigError as err:
            if self.held_out is None or self.held_out.after:
                raise
            raise ConfigError(f"{err} (the last 10% is held out for validation; "
                              "val chars 0 trains on all of it)", err.field) from None
        self.data = self.corpus.indices[:n].to(self.device)
        self._val_ids = None if self.held_out is None else self.held_out.ids.to(self.device)

    # -- controls (any thread) --------------------------------------------------------------
    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()

    def set_lr(self, lr: float) -> None:
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, not {lr}")
        self.call_soon(lambda t: t._apply_lr(lr))

    def set_epochs(self, epochs: int) -> None:
        self.call_soon(lambda t: setattr(t, "target_epochs", max(epochs, 0)))

    def call_soon(self, fn: Callable[[Trainer], None]) -> None:
        """Run fn(trainer) on the trainer thread between batches, or now if it is not running."""
        self._commands.put(fn)
        self._drain_unless_running()

    def _drain_unless_running(self) -> None:
        # Whoever holds the lock drains the queue; whoever releases it looks once more. A
        # command put while run() was between its last drain and its release is then run by
        # run() itself (it finds the queue non-empty after releasing) or by the caller (who
        # finds the lock free), never left in the queue.
        while not self._commands.empty() and self._running.acquire(blocking=False):
            try:
                self._drain_commands()
            finally:
                self._running.release()

    def current_config(self) -> TrainConfig:
        """The configuration as it stands now, with a changed lr or epoch target folded in."""
        return replace(self.config, lr=self.lr, epochs=self.target_epochs)

    # -- training (the trainer's thread) ------------------------------------------------------
    def run(self) -> RunState:
        """Train until the target epoch, a stop, or divergence; returns the final status."""
        with self._running:
            self._stop.clear()
            self._set_status(RunState.RUNNING)
            try:
                while self.epoch < self.target_epochs and self._run_epoch_locked() is not None:
                    pass
            except Diverged as err:
                self._park(RunState.DIVERGED, str(err))
            else:
                self._drain_commands()
                if self._stop.is_set():
                    self._park(RunState.STOPPED)
                else:
                    self._park(RunState.FINISHED, f"trained {self.epoch} epochs")
        self._drain_unless_running()
        return self.status

    def run_epoch(self) -> EpochEnd | None:
        """Train one whole epoch (or finish the one in progress); None if stopped mid-way."""
        with self._running:
            end = self._run_epoch_locked()
        self._drain_unless_running()
        return end

    def _park(self, status: RunState, message: str = "") -> None:
        # Readers (the prompt) must see exactly the weights a save taken now would hold.
        self.snapshots.publish(self.model, force=True)
        self._set_status(status, message)

    def _run_epoch_locked(self) -> EpochEnd | None:
        cursor = self.cursor or self._begin_epoch()
        while cursor.batch < len(cursor.starts):
            if not self._between_batches():
                return None
            self._train_batch(cursor)
        return self._end_epoch(cursor)

    def _begin_epoch(self) -> EpochCursor:
        cfg, n = self.config, len(self.data)
        if cfg.sampling == "random":
            starts = random_starts(n, cfg.batch_size, cfg.num_steps, self.generator)
        else:
            starts = consecutive_starts(n, cfg.batch_size, cfg.num_steps)
        cap = cfg.epoch_batches
        if cap and cap < len(starts):
            # Random sampling: a fresh shuffle's first batches (the shuffle draws as many
            # numbers as a whole epoch's would). Consecutive: the next part of the text in
            # turn, so every part is read; each part starts from a zero state.
            part = self.epoch % -(-len(starts) // cap) if cfg.sampling == "consecutive" else 0
            starts = starts[part * cap : (part + 1) * cap]
        self.cursor = EpochCursor(starts=starts.to(self.device))
        return self.cursor

    def _between_batches(self) -> bool:
        self._drain_commands()
        if not self._resume.is_set():
            self._park(RunState.PAUSED)
            while not self._resume.wait(0.05):
                self._drain_commands()
            self._drain_commands()
            if not self._stop.is_set():
                self._set_status(RunState.RUNNING)
        return not self._stop.is_set()

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            command(self)

    def _train_batch(self, cursor: EpochCursor) -> None:
        cfg = self.config
        began = time.perf_counter()
        X, Y = batch_at(self.data, cursor.starts[cursor.batch], cfg.num_steps)
        if cfg.sampling == "random" or cursor.state is None:
            # Random sampling: sequences are unrelated, so each batch starts from zeros.
            # Consecutive: zeros at the start of each epoch only (for the nn models too, where
            # the book keeps the state across epochs; the difference is one reset per epoch).
            state = self.model.begin_state(cfg.batch_size, self.device)
        else:
            # The sequence continues, but gradients stop at the batch boundary.
            state = detach_state(cursor.state)
        self._latest = (X, Y, state)
        loss, state = self.model.loss(X, Y, state)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = clip_gradients(self.params, cfg.clip)
        loss_value, norm_value = torch.stack((loss.detach(), norm)).tolist()  # one host sync
        if not (math.isfinite(norm_value) and loss_value < self._loss_ceiling):
            self.optimizer.zero_grad(set_to_none=True)
            raise Diverged(self._divergence_message(loss_value, cursor))
        self.optimizer.step()
        self.step += 1
        tokens = Y.numel()
        cursor.state = state if cfg.sampling == "consecutive" else None
        cursor.batch += 1
        cursor.loss_sum += loss_value * tokens
        cursor.tokens += tokens
        cursor.norm_sum += norm_value
        cursor.clipped += norm_value > cfg.clip  # clip_gradients rescaled this step
        seconds = time.perf_counter() - began
        cursor.seconds += seconds
        self._unsampled += seconds
        self._unflowed += seconds
        self.snapshots.publish(self.model)
        self.on_event(
            BatchEnd(
                self.epoch + 1,
                cursor.batch,
                len(cursor.starts),
                loss_value,
                cursor.tokens / max(cursor.seconds, 1e-9),
                step=self.step,
            )
        )
        if cursor.batch < len(cursor.starts) and self._samples_due(epoch_end=False):
            self._emit_samples()

    def _divergence_message(self, loss: float, cursor: EpochCursor) -> str:
        what = (
            "gradient norm became non-finite" if math.isfinite(loss) else "loss became non-finite"
        )
        if math.isfinite(loss) and loss >= self._loss_ceiling:
            uniform = math.log(len(self.corpus.vocab))
            what = f"loss exploded to {loss:.3g} (uniform guessing scores {uniform:.2f})"
        return (
            f"training diverged: the {what} in epoch {self.epoch + 1}, "
            f"batch {cursor.batch + 1}; the weights were kept from before that step. "
            f"Lower the learning rate (now {self.lr:g}) or the clip threshold."
        )

    def _end_epoch(self, cursor: EpochCursor) -> EpochEnd:
        self.epoch += 1
        self.cursor = None
        mean_loss = cursor.loss_sum / cursor.tokens
        end = EpochEnd(
            epoch=self.epoch,
            epochs=self.target_epochs,
            perplexity=math.exp(mean_loss) if mean_loss < 700 else math.inf,
            seconds=cursor.seconds,
            chars_per_sec=cursor.tokens / max(cursor.seconds, 1e-9),
            grad_norm=cursor.norm_sum / len(cursor.starts),
            lr=self.lr,
            val_perplexity=self.val_perplexity(),
            grad_through_time=self._grad_flow(),
            clipped_share=cursor.clipped / len(cursor.starts),
            step=self.step,
        )
        self._latest = None
        self.history.append(end)
        self.snapshots.publish(self.model, force=True)
        self.on_event(end)
        if self._samples_due(epoch_end=True):
            self._emit_samples()
        return end

    def val_perplexity(self) -> float | None:
        """Perplexity on the held-out characters under the current weights (None: none)."""
        if self._val_ids is None:
            return None
        cfg = self.config
        return perplexity(self.model, self._val_ids, cfg.num_steps,
                          carry_state=cfg.sampling == "consecutive", rows=cfg.batch_size)

    def _grad_flow(self) -> tuple[float, ...]:
        """The flow on the epoch's last batch, or () when it is not due (FLOW_SHARE) or there is
        no batch (resumed with the epoch's batches all done). The run's last epoch always has it."""
        due = self._unflowed * FLOW_SHARE >= self._flow_cost or self.epoch >= self.target_epochs
        if self._latest is None or not due:
            return ()
        began = time.perf_counter()
        flow = grad_through_time(self.model, *self._latest)  # ends in a host sync: timed fully
        self._flow_cost = time.perf_counter() - began
        self._unflowed = 0.0
        return flow

    def _samples_due(self, epoch_end: bool) -> bool:
        cfg = self.config
        by_epoch = epoch_end and cfg.pred_period and self.epoch % cfg.pred_period == 0
        return bool(by_epoch or (cfg.pred_seconds and self._unsampled >= cfg.pred_seconds))

    def _emit_samples(self) -> None:
        self._unsampled = 0.0
        for sample in self.predict_samples():
            self.samples.append(sample)
            self.on_event(sample)

    def predict_samples(self) -> list[Sample]:
        cfg = self.config
        return [
            Sample(
                self.epoch,
                prefix,
                predict(self.model, self.corpus.vocab, prefix, cfg.pred_len, self.device),
                step=self.step,
            )
            for prefix in cfg.prefixes
        ]

    def _apply_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _set_status(self, status: RunState, message: str = "") -> None:
        self.status = status
        self.on_event(StatusChanged(status, message, self.epoch))

    # -- state for sessions (call between batches or when not running) ------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: tensors and plain JSON-able values."""
        cursor = None
        if self.cursor is not None:
            c = self.cursor
            cursor = {
                "starts": c.starts.cpu(),
                "batch": c.batch,
                "loss_sum": c.loss_sum,
                "tokens": c.tokens,
                "norm_sum": c.norm_sum,
                "clipped": c.clipped,
                "seconds": c.seconds,
                "state": None if c.state is None else [s.cpu() for s in c.state],
            }
        return {
            "config": self.current_config().to_dict(),
            "epoch": self.epoch,
            "step": self.step,
            # the characters training uses (the rest of the corpus is held out): the split is
            # kept even if the text after the corpus changes
            "train_chars": len(self.data),
            "model": {k: v.cpu() for k, v in self.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "history": [asdict(e) for e in self.history],
            "samples": [asdict(s) for s in self.samples],
            "cursor": cursor,
            "rng": {
                "sampling": self.generator.get_state(),
                "torch": torch.get_rng_state(),
                "python": _python_rng_to_json(random.getstate()),
                "cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None,
            },
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore a state_dict(); the trainer must have been built with the same config."""
        self.model.load_state_dict(d["model"])
        self.optimizer.load_state_dict(d["optimizer"])
        self.epoch, self.step = int(d["epoch"]), int(d["step"])
        self.target_epochs = int(d["config"]["epochs"])
        self._apply_lr(self.config.lr)  # resolved: old files may hold null
        # Sessions from before held-out text trained on all of their corpus.
        train_chars = int(d.get("train_chars", len(self.corpus.indices)))
        if train_chars != len(self.data):
            self._split(train_chars)
        self.history = [
            EpochEnd(**{**e, "grad_through_time": tuple(e.get("grad_through_time", ()))})
            for e in d["history"]
        ]
        self.samples = [Sample(**s) for s in d["samples"]]
        c = d["cursor"]
        self.cursor = (
            None
            if c is None
            else EpochCursor(
                starts=c["starts"].to(self.device),
                batch=c["batch"],
                loss_sum=c["loss_sum"],
                tokens=c["tokens"],
                norm_sum=c["norm_sum"],
                clipped=c.get("clipped", 0),
                seconds=c["seconds"],
                state=None if c["state"] is None else tuple(s.to(self.device) for s in c["state"]),
            )
        )
        # RNG last, after the model and optimizer exist, so nothing built later consumes it.
        rng = d["rng"]
        self.generator.set_state(rng["sampling"])
        torch.set_rng_state(rng["torch"])
        random.setstate(_python_rng_from_json(rng["python"]))
        if rng.get("cuda") is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state_all(rng["cuda"])
        self.snapshots.publish(self.model, force=True)


def _python_rng_to_json(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _python_rng_from_json(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
