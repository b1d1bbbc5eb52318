"""Training the character models the book's way, one batch at a time, controllable from a UI.

The loop is the book's train_and_predict_rnn: sample a minibatch, (re)start or detach the hidden
state, forward, mean cross-entropy, backward, clip, step; perplexity is exp(mean loss) over the
epoch. Everything a UI needs arrives as events through `on_event`. What is not the loop lives
beside it:
- controls.py: pause, resume, stop, set_lr, set_epochs and call_soon from any thread, carried
  out between batches on the trainer's thread, so the model is never touched mid-step;
- probes.py: what is measured or shown besides training (held-out perplexity, gradient flow and
  the weights' distributions at an epoch's end, sample predictions), called at fixed points of
  the loop;
- engine/session/trainer_state.py: the trainer's state to and from a session file.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import torch

from engine.config import ConfigError, TrainConfig
from engine.data.corpus import Corpus
from engine.data.sampling import batch_at, consecutive_starts, random_starts
from engine.data.validation import HeldOut, split
from engine.models.char_rnn import State, detach_state, model_for
from engine.training.clipping import clip_gradients
from engine.training.controls import Controls, check_lr, write_lr
from engine.training.device import resolve_device
from engine.training.events import BatchEnd, EpochEnd, RunState, Sample, StatusChanged, TrainerEvent
from engine.training.probes import (
    GradientFlow,
    HeldOutPerplexity,
    Probe,
    SamplePredictions,
    TrainedBatch,
    WeightsOverTime,
    held_out_perplexity,
    predict_samples,
)
from engine.training.snapshots import SnapshotBox

# Held by whoever seeds or sets torch's global RNG, which every thread shares: a model drawing
# its initial weights (Trainer.__init__), a loaded session putting its RNG state back
# (engine.session.trainer_state).
TORCH_RNG_LOCK = threading.Lock()


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
        # Weights come from the seed without disturbing anyone else's use of torch's global RNG;
        # the lock keeps two runs built at once on two threads from seeding each other's draws.
        with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = model_for(config, len(corpus.vocab))
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
        self.probes: list[Probe] = [
            HeldOutPerplexity(), GradientFlow(), WeightsOverTime(), SamplePredictions(),
        ]
        self.controls = Controls()
        self.snapshots = SnapshotBox()
        self.snapshots.publish(self.model, force=True)
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
        self.val_ids = None if self.held_out is None else self.held_out.ids.to(self.device)

    def clock(self) -> float:
        """Seconds, for the loop and its probes alike (tests freeze it by replacing `time` here)."""
        return time.perf_counter()

    # -- controls (any thread; carried out between batches, see controls.py) ------------------
    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def pause(self) -> None:
        self.controls.pause()

    def resume(self) -> None:
        self.controls.resume()

    def stop(self) -> None:
        self.controls.stop()

    def set_lr(self, lr: float) -> None:
        check_lr(lr)
        self.call_soon(lambda t: write_lr(t.optimizer, lr))

    def set_epochs(self, epochs: int) -> None:
        self.call_soon(lambda t: setattr(t, "target_epochs", max(epochs, 0)))

    def call_soon(self, fn: Callable[[Trainer], None]) -> None:
        """Run fn(trainer) on the trainer thread between batches, or now if it is not running."""
        self.controls.call_soon(partial(fn, self))

    def current_config(self) -> TrainConfig:
        """The configuration as it stands now, with a changed lr or epoch target folded in."""
        return replace(self.config, lr=self.lr, epochs=self.target_epochs)

    # -- training (the trainer's thread) ------------------------------------------------------
    def run(self) -> RunState:
        """Train until the target epoch, a stop, or divergence; returns the final status."""
        with self.controls.running(fresh=True):
            self._set_status(RunState.RUNNING)
            try:
                while self.epoch < self.target_epochs and self._run_epoch_locked() is not None:
                    pass
            except Diverged as err:
                self._park(RunState.DIVERGED, str(err))
            else:
                self.controls.drain()
                if self.controls.stopped:
                    self._park(RunState.STOPPED)
                else:
                    self._park(RunState.FINISHED, f"trained {self.epoch} epochs")
        return self.status

    def run_epoch(self) -> EpochEnd | None:
        """Train one whole epoch (or finish the one in progress); None if stopped mid-way."""
        with self.controls.running():
            return self._run_epoch_locked()

    def _park(self, status: RunState, message: str = "") -> None:
        # Readers (the prompt) must see exactly the weights a save taken now would hold.
        self.snapshots.publish(self.model, force=True)
        self._set_status(status, message)

    def _run_epoch_locked(self) -> EpochEnd | None:
        cursor = self.cursor or self._begin_epoch()
        paused = partial(self._park, RunState.PAUSED)
        resumed = partial(self._set_status, RunState.RUNNING)
        while cursor.batch < len(cursor.starts):
            if not self.controls.between_batches(paused, resumed):
                return None
            self._train_batch(cursor)
        return self._end_epoch(cursor)

    def _begin_epoch(self) -> EpochCursor:
        self.cursor = EpochCursor(starts=self.epoch_starts(self.generator).to(self.device))
        for probe in self.probes:
            probe.on_epoch_begin(self)
        return self.cursor

    def epoch_starts(self, generator: torch.Generator) -> torch.Tensor:
        """The next epoch's (batches, batch_size) table of sequence starts, on the CPU; random
        sampling draws its shuffle from `generator` (a copy of self.generator previews the
        table without moving the run's sampling order)."""
        cfg, n = self.config, len(self.data)
        if cfg.sampling == "random":
            starts = random_starts(n, cfg.batch_size, cfg.num_steps, generator)
        else:
            starts = consecutive_starts(n, cfg.batch_size, cfg.num_steps)
        cap = cfg.epoch_batches
        if cap and cap < len(starts):
            # Random sampling: a fresh shuffle's first batches (the shuffle draws as many
            # numbers as a whole epoch's would). Consecutive: the next part of the text in
            # turn, so every part is read; each part starts from a zero state.
            part = self.epoch % -(-len(starts) // cap) if cfg.sampling == "consecutive" else 0
            starts = starts[part * cap : (part + 1) * cap]
        return starts

    def _train_batch(self, cursor: EpochCursor) -> None:
        cfg = self.config
        began = self.clock()
        X, Y = batch_at(self.data, cursor.starts[cursor.batch], cfg.num_steps)
        if cfg.sampling == "random" or cursor.state is None:
            # Random sampling: sequences are unrelated, so each batch starts from zeros.
            # Consecutive: zeros at the start of each epoch only (for the nn models too, where
            # the book keeps the state across epochs; the difference is one reset per epoch).
            start_state = self.model.begin_state(cfg.batch_size, self.device)
        elif cfg.detach:
            # The sequence continues, but gradients stop at the batch boundary.
            start_state = detach_state(cursor.state)
        else:
            start_state = self._state_through_epoch(cursor)
        loss, state = self.model.loss(X, Y, start_state)
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
        # clip_gradients rescaled this step (never with clipping off)
        cursor.clipped += cfg.clip is not None and norm_value > cfg.clip
        seconds = self.clock() - began
        cursor.seconds += seconds
        self.snapshots.publish(self.model)
        self.on_event(BatchEnd(self.epoch + 1, cursor.batch, len(cursor.starts), loss_value,
                               cursor.tokens / max(cursor.seconds, 1e-9), step=self.step,
                               seconds=cursor.seconds))
        trained = TrainedBatch(X, Y, start_state, seconds, last=cursor.batch == len(cursor.starts))
        for probe in self.probes:
            probe.on_batch_end(self, trained)

    def _state_through_epoch(self, cursor: EpochCursor) -> State:
        """Not detaching (consecutive sampling): the state this batch starts from, as a function
        of the weights through every earlier batch of the epoch, so this batch's gradient flows
        back to the epoch's first character.

        The book's exercise keeps the graph of the earlier batches. In torch that graph cannot
        be reused: each step updated the weights it saved in place (backward refuses them), and
        the gradient it would give is with respect to weights that no longer exist. So the
        epoch so far is read again under the current weights, from the same zero state: the
        gradient is that of this batch's loss through the concatenated sequence, which is full
        backpropagation through time over the epoch, and with unchanged weights (lr 0) exactly
        what the kept graph would give. Memory and time grow with the batch's place in the
        epoch, as the exercise asks to see (engine/models/memory_estimate.py bounds the memory).
        A resumed epoch reads the same text under the same weights: resuming stays exact.
        """
        cfg = self.config
        # Consecutive batches continue each row of the text: the epoch so far is one stretch
        # per row, from the epoch's first batch to this one.
        X, _ = batch_at(self.data, cursor.starts[0], cursor.batch * cfg.num_steps)
        return self.model.final_state(X, self.model.begin_state(cfg.batch_size, self.device))

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
            f"Lower the learning rate (now {self.lr:g}) or "
            + ("the clip threshold." if self.config.clip is not None else "turn clipping on.")
        )

    def _end_epoch(self, cursor: EpochCursor) -> EpochEnd:
        # The count, the cursor and the record change together once the probes have measured
        # the epoch: counted first, a summary taken while the held-out probe ran (another
        # thread's) showed the epoch with no record of it (the runs table's "1/N", ppl "-").
        epoch = self.epoch + 1
        mean_loss = cursor.loss_sum / cursor.tokens
        measured = {k: v for probe in self.probes for k, v in probe.on_epoch_end(self).items()}
        end = EpochEnd(
            epoch=epoch,
            epochs=self.target_epochs,
            perplexity=math.exp(mean_loss) if mean_loss < 700 else math.inf,
            seconds=cursor.seconds,
            chars_per_sec=cursor.tokens / max(cursor.seconds, 1e-9),
            grad_norm=cursor.norm_sum / len(cursor.starts),
            lr=self.lr,
            clipped_share=cursor.clipped / len(cursor.starts),
            step=self.step,
            **measured,
        )
        self.history.append(end)
        self.epoch, self.cursor = epoch, None
        self.snapshots.publish(self.model, force=True)
        self.on_event(end)
        for probe in self.probes:
            probe.after_epoch_end(self)
        return end

    def val_perplexity(self) -> float | None:
        """Perplexity on the held-out characters under the current weights (None: none)."""
        return held_out_perplexity(self)

    def predict_samples(self) -> list[Sample]:
        """The sample prompts' greedy continuations under the current weights."""
        return predict_samples(self)

    def _set_status(self, status: RunState, message: str = "") -> None:
        self.status = status
        self.on_event(StatusChanged(status, message, self.epoch))
