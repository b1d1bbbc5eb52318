"""Using a model trained on the device: the app's keystroke path, and its save loaded on the CPU.

Parts 3 and 4 of bench/gpu.sh (see bench/gpu_check.py); with --device cpu they run on the CPU.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from pathlib import Path

import torch

from engine.data.corpus import Corpus
from engine.generation.generate import Completer
from engine.models.char_rnn import CharRNN, build_model
from engine.session import load_session, restore_trainer, save_session
from engine.training.trainer import Trainer

COMPLETION_CHARS = 50  # what the app's prompt pane shows after each keystroke


def _prompt(corpus: Corpus, chars: int) -> str:
    return corpus.text[:chars]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _twin(trainer: Trainer, device: torch.device | str) -> CharRNN:
    """A copy of the trainer's model on `device`, as the app builds its prompt model: a fresh
    model given the published weights (a deep copy of a cuDNN layer would leave its weights
    outside cuDNN's single buffer, and torch would compact them on every call)."""
    cfg = trainer.config
    model = build_model(cfg.model, len(trainer.corpus.vocab), cfg.hidden, cfg.layers)
    model.load_state_dict(trainer.model.state_dict())
    return model.to(device).eval()


def keystrokes(trained: dict[str, Trainer], corpus: Corpus, device: torch.device, n: int) -> None:
    """Per keystroke: Completer.push(ch) + complete(50) on a copy of each trained model, on the
    CPU (where the app's prompt runs, fed the trainer's snapshots) and on `device`."""
    prompt = _prompt(corpus, n)
    print(f"\nkeystrokes: {len(prompt)} characters typed one at a time, each followed by a "
          f"{COMPLETION_CHARS}-character greedy completion (Completer); the app's prompt model "
          "runs on the CPU whatever device trains")
    print("| model | epochs trained | prompt on | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, trainer in trained.items():
        for where in dict.fromkeys((torch.device("cpu"), device)):
            completer = Completer(_twin(trainer, where), corpus.vocab, where)
            times = []
            for ch in prompt:
                _sync(where)
                t0 = time.perf_counter()
                completer.push(ch)
                completer.complete(COMPLETION_CHARS)
                _sync(where)
                times.append((time.perf_counter() - t0) * 1e3)
            times.sort()
            p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)]
            print(f"| {name} | {trainer.epoch} | {where} | {statistics.median(times):.2f} "
                  f"| {p99:.2f} | {times[-1]:.2f} |")


def save_here_load_on_cpu(trained: dict[str, Trainer], corpus: Corpus) -> bool:
    """Save each trainer as a session, restore it on the CPU: same weights, trains on."""
    print("\nsave on the training device, load on the CPU (engine.session)")
    print("| model | saved on | weights bit-identical | CPU epoch perplexity "
          "| greedy completion on both |")
    print("|---|---|---|---|---|")
    ok = True
    prefix = _prompt(corpus, 10)
    with tempfile.TemporaryDirectory(prefix="rnnplay-gpu-check-") as tmp:
        for name, trainer in trained.items():
            path = save_session(Path(tmp) / f"{name}.rnnplay", trainer)
            session = load_session(path)
            on_cpu = restore_trainer(session, device="cpu", corpus=corpus)
            saved = trainer.model.state_dict()
            loaded = on_cpu.model.state_dict()
            same = saved.keys() == loaded.keys() and all(
                torch.equal(saved[k].cpu(), loaded[k]) for k in saved
            )
            cpu_text = _complete(session.build_model("cpu"), corpus, "cpu", prefix)
            device_text = _complete(_twin(trainer, trainer.device), corpus, trainer.device, prefix)
            end = on_cpu.run_epoch()
            trains = end is not None and math.isfinite(end.perplexity)
            ok &= same and trains
            agree = "same" if cpu_text == device_text else _first_difference(cpu_text, device_text)
            print(f"| {name} | {trainer.device} | {'yes' if same else 'NO'} "
                  f"| {end.perplexity if end else float('nan'):.2f}{'' if trains else ' FAIL'} "
                  f"| {agree} |")
    print(f"  save/load {'passed' if ok else 'FAILED'}")
    return ok


def _complete(model: CharRNN, corpus: Corpus, device: torch.device | str, prefix: str) -> str:
    completer = Completer(model.eval(), corpus.vocab, device)
    completer.set_text(prefix)
    return completer.complete(COMPLETION_CHARS)


def _first_difference(a: str, b: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a),
              len(b)))
    return f"differ from character {at + 1} (float rounding can flip a near-tie argmax)"
