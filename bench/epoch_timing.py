"""Timing book and engine epochs side by side: one Case per comparison, ABBA rounds.

Book and engine epochs alternate (after warm-up epochs), so both see the same load from
whatever else runs on the machine; each round also records how much CPU other processes used.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from bench import book
from bench.load_meter import LoadMeter, wait_for_quiet


@dataclass
class Case:
    """One comparison: a baseline and an engine trainer with the same math and settings.

    The baseline is the book's code ("book") or, for the nn models, the engine's own model fed
    one-hot vectors into torch's recurrent kernels ("one-hot": TorchRNN.path), which shows what
    the lookup and the hand-written loops buy by themselves. book_* fields hold the baseline's.
    """

    label: str
    model: str  # engine model kind
    sampling: str
    baseline: str = "book"
    book_times: list[float] = field(default_factory=list)
    engine_times: list[float] = field(default_factory=list)
    # CPUs' worth of time other processes used during each round (book + engine epoch).
    other_load: list[float] = field(default_factory=list)
    book_ppl: float = float("nan")
    engine_ppl: float = float("nan")
    engine_batches: int = 0

    def quiet(self, max_load: float) -> Case:
        """The rounds in which other processes used at most max_load CPUs."""
        keep = [i for i, load in enumerate(self.other_load) if not load > max_load]
        return replace(
            self,
            book_times=[self.book_times[i] for i in keep],
            engine_times=[self.engine_times[i] for i in keep],
            other_load=[self.other_load[i] for i in keep],
        )

    @property
    def rounds(self) -> int:
        return len(self.book_times)

    @property
    def book_median(self) -> float:
        return statistics.median(self.book_times)

    @property
    def engine_median(self) -> float:
        return statistics.median(self.engine_times)

    @property
    def ratio(self) -> float:
        return self.book_median / self.engine_median

    @property
    def paired_ratio(self) -> float:
        """Median over rounds of book/engine within the round: cancels slow load drift."""
        pairs = zip(self.book_times, self.engine_times, strict=True)
        return statistics.median([b / e for b, e in pairs])

    @property
    def min_ratio(self) -> float:
        """Ratio of the fastest epochs: other load only ever adds time, so minima are the
        least disturbed estimate of each side's own speed."""
        return min(self.book_times) / min(self.engine_times)


def _engine_trainer(
    corpus: object, case: Case, seed: int, path: str | None = None
) -> tuple[Callable[[], float], Case]:
    from engine.config import TrainConfig
    from engine.training.events import BatchEnd
    from engine.training.trainer import Trainer

    def on_event(event: object) -> None:
        if isinstance(event, BatchEnd):
            case.engine_batches = event.batches

    # pred_period=0, val_chars=0: sample predictions and the held-out perplexity are not
    # training (the book's predictions are left out too); the gradient-flow measure the
    # trainer makes at epochs' ends (engine.training.probes.FLOW_SHARE) has no switch and stays
    # in the
    # engine's time.
    cfg = TrainConfig(
        model=case.model, sampling=case.sampling, device="cpu", seed=seed, pred_period=0,
        val_chars=0,
    )
    trainer = Trainer(corpus, cfg, on_event=on_event)  # type: ignore[arg-type]
    if path is not None:
        trainer.model.path = path  # type: ignore[union-attr]

    def epoch() -> float:
        end = trainer.run_epoch()
        assert end is not None
        return end.perplexity

    return epoch, case


def _book_trainer(
    corpus: object, indices: list[int], vocab: int, case: Case, seed: int
) -> Callable[[], float]:
    if case.baseline == "one-hot":
        return _engine_trainer(corpus, case, seed, path="one-hot")[0]
    if case.model == "scratch":
        trainer = book.BookScratchTrainer(
            indices, vocab, is_random_iter=case.sampling == "random", seed=seed
        )
        return trainer.train_epoch
    return book.BookModelTrainer(indices, vocab, cell=case.model, seed=seed).train_epoch


def _timed(fn: Callable[[], float]) -> tuple[float, float]:
    t0 = time.perf_counter()
    ppl = fn()
    return time.perf_counter() - t0, ppl


def time_case(
    case: Case,
    corpus: object,
    indices: list[int],
    vocab: int,
    warmup: int,
    epochs: int,
    quiet_load: float = 0.2,
    wait: float = 0.0,
) -> Case:
    book_epoch = _book_trainer(corpus, indices, vocab, case, seed=0)
    engine_epoch, _ = _engine_trainer(corpus, case, seed=0)
    for _ in range(warmup):
        book_epoch()
        engine_epoch()
    meter = LoadMeter()
    for i in range(epochs):
        if wait > 0:
            wait_for_quiet(quiet_load, wait)
        meter.start()
        # ABBA: alternate which goes first, so a slow drift in machine load hits both equally.
        order = ((book_epoch, case.book_times), (engine_epoch, case.engine_times))
        for fn, times in order if i % 2 == 0 else order[::-1]:
            seconds, ppl = _timed(fn)
            times.append(seconds)
            if fn is book_epoch:
                case.book_ppl = ppl
            else:
                case.engine_ppl = ppl
        case.other_load.append(meter.other_cpus())
        print(
            f"  {case.label}: epoch {i + 1}/{epochs}  {case.baseline} {case.book_times[-1]:.3f}s"
            f"  engine {case.engine_times[-1]:.3f}s  other load {case.other_load[-1]:.2f} CPUs",
            file=sys.stderr,
        )
    return case


def profile_engine(corpus: object, spec: str, epochs: int = 5) -> int:
    """Print torch.profiler's operator table for a few engine epochs (after 2 warm-up ones)."""
    from torch.profiler import ProfilerActivity, profile

    model, sampling = spec.split("-")
    epoch, _ = _engine_trainer(corpus, Case(spec, model, sampling), seed=0)
    for _ in range(2):
        epoch()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(epochs):
            epoch()
    print(f"engine {spec}, {epochs} epochs, {torch.get_num_threads()} threads")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    return 0
