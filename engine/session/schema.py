"""What a session's meta document may hold, checked field by field before anything is built.

The checksums only prove a file is the one that was written; a crafted file can carry valid
checksums and any values. So every field is checked for its type and range here, with tensors
still unread (each one is a TensorSpec: dtype and shape from the header), and every tensor must
sit where the state expects one, with a size the saved model implies. That bounds what loading
reads and allocates, and no hostile value reaches torch, random or the trainer to fail there
with an OverflowError, a TypeError or worse.

This module checks the meta document's top-level fields; state_schema.py the trainer's state
(settings through the same TrainConfig checks as the command line's, weights, optimizer, history,
cursor, generators); field_checks.py holds the checks both use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.config import MODELS, ConfigError, CorpusConfig
from engine.data.vocab import Vocab
from engine.generation.prompt_settings import PromptSettings
from engine.session import field_checks as check
from engine.session.field_checks import SchemaError
from engine.session.types import CorpusRef

SAVED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
META_FIELDS = ("saved_at", "summary", "corpus", "vocab", "prompt", "trainer", "tensors",
               "environment")
# Written since the app names its runs (label, prompt_settings) and since a save says its run
# diverged (diverged: only then); files from before have none.
OPTIONAL_META_FIELDS = ("label", "prompt_settings", "diverged")
TYPED_TEXT = ("prompt", "label")  # meta fields a user types
MAX_LABEL = 200  # characters in a run's label
MAX_DIVERGED = 1000  # characters in why a run diverged (the trainer's message is about 200)


@dataclass(frozen=True)
class MetaParts:
    """The checked top-level fields of a meta document."""

    saved_at: str
    corpus: CorpusRef
    vocab: Vocab
    prompt: str
    label: str  # the run's name in the app ("#2 scratch·lr 1000"); "" when saved without one
    prompt_settings: PromptSettings | None  # the prompt's decoding and length; None if not saved
    diverged: str  # why the run diverged (the trainer's message); "" if it did not
    trainer: Any  # the encoded state (engine/session/codec.py), decoded by the caller
    environment: dict[str, str | None]



def check_meta(meta: dict[str, Any], index: dict[str, tuple[str, tuple[int, ...]]]) -> MetaParts:
    """The top-level fields; the manifest must describe exactly the tensors in the header."""
    check.keys(meta, META_FIELDS, "the metadata", optional=OPTIONAL_META_FIELDS)
    check.no_surrogates({k: v for k, v in meta.items() if k not in TYPED_TEXT})
    check_summary(meta["summary"])
    vocab = _vocab(meta["vocab"])
    corpus = _corpus_ref(meta["corpus"], len(vocab))
    if _manifest(meta["tensors"]) != index:
        raise SchemaError("the tensor index does not match the manifest")
    return MetaParts(
        saved_at=check_saved_at(meta["saved_at"]),
        corpus=corpus,
        vocab=vocab,
        prompt=check.typed_text(meta["prompt"], "prompt"),
        label=check.typed_text(meta.get("label", ""), "label", MAX_LABEL),
        prompt_settings=_prompt_settings(meta.get("prompt_settings")),
        diverged=check_diverged(meta.get("diverged")),
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


def check_diverged(value: Any) -> str:
    """Why the run diverged, as its file says ("": it did not)."""
    if value is None:  # it did not diverge, or it was saved before saves said so
        return ""
    text = check.text(value, "diverged", MAX_DIVERGED)
    if not text.strip() or not text.isprintable():  # shown on one line as the run's reason
        raise SchemaError("diverged must be a line of printable text")
    return text


def check_saved_at(value: Any) -> str:
    """The UTC time of the save, as "2026-01-01T12:00:00Z" (the listing sorts on it)."""
    if not (isinstance(value, str) and SAVED_AT.fullmatch(value)):
        raise SchemaError(f'saved_at must be a time like "2026-01-01T12:00:00Z", not '
                          f'{check.show(value)}')
    return value


def check_summary(value: Any) -> dict[str, Any]:
    """The part a load screen shows (the listing reads nothing else)."""
    s = check.keys(value, ("model", "epoch", "perplexity", "corpus"), "summary")
    if s["model"] not in MODELS:
        raise SchemaError(f"summary.model must be one of {', '.join(MODELS)}")
    check.whole(s["epoch"], "summary.epoch")
    if s["perplexity"] is not None:
        check.real(s["perplexity"], "summary.perplexity", low=0.0)
    check.text(s["corpus"], "summary.corpus")
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
    c = check.keys(value, ("name", "sha256", "max_chars", "vocab_size"), "corpus", ("preprocess",))
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
    check.whole(ref.max_chars, "corpus.max_chars", low=1)
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
