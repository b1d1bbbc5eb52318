"""The descriptive parts of a session's meta document (see engine/session/__init__.py): the
summary a load screen shows, the reference to the corpus, and the environment that wrote it."""

from __future__ import annotations

import platform
import sys
from importlib import metadata as importlib_metadata
from typing import Any

import torch

from engine.data.corpus import Corpus
from engine.training.trainer import Trainer


def summary(trainer: Trainer) -> dict[str, Any]:
    last = trainer.history[-1].perplexity if trainer.history else None
    return {
        "model": trainer.config.model,
        "epoch": trainer.epoch,
        "perplexity": last if last is None or last < float("inf") else None,
        "corpus": trainer.corpus.name,
    }


def corpus_ref(corpus: Corpus) -> dict[str, Any]:
    # len(text) as max_chars reproduces the same prefix whatever limit was asked for. A cleaned
    # text says so; an unchanged one writes what files before cleaning existed wrote.
    ref = {
        "name": corpus.name,
        "sha256": corpus.sha256,
        "max_chars": len(corpus.text),
        "vocab_size": len(corpus.vocab),
    }
    return ref if corpus.preprocess == "none" else {**ref, "preprocess": corpus.preprocess}


def environment(device: torch.device) -> dict[str, Any]:
    name = None
    if device.type == "cuda":
        try:
            name = torch.cuda.get_device_name(device)
        except Exception:  # informative only; never let it stop a save
            name = None
    return {
        "rnnplay": _package_version("rnnplay"),
        "torch": torch.__version__,
        "safetensors": _package_version("safetensors"),
        "python": platform.python_version(),
        "platform": sys.platform,
        "device": str(device),
        "device_name": name,
    }


def _package_version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None
