"""The named corpora (jaychou, pysrc) and the vocabulary: what loading gives, deterministically."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from engine.data.corpus import Corpus, CorpusError, load_corpus
from engine.data.vocab import Vocab

# --- jaychou --------------------------------------------------------------------------------------

def test_jaychou_default(jaychou: Corpus) -> None:
    assert jaychou.name == "jaychou"
    assert len(jaychou.text) == 10_000 and len(jaychou.vocab) == 1027
    assert "\n" not in jaychou.text and "\r" not in jaychou.text
    assert jaychou.indices.dtype == torch.int16 and jaychou.indices.shape == (10_000,)
    assert jaychou.vocab.decode(jaychou.indices.tolist()) == jaychou.text
    assert jaychou.sha256 == hashlib.sha256(jaychou.text.encode()).hexdigest()
    assert jaychou.text.startswith("想要有直升机")


def test_jaychou_whole_text() -> None:
    corpus = load_corpus("jaychou", max_chars=0)
    assert len(corpus.text) == 63_282
    assert corpus.text[:10_000] == load_corpus("jaychou").text


def test_jaychou_deterministic(jaychou: Corpus) -> None:
    again = load_corpus("jaychou")
    assert again.vocab.idx_to_char == sorted(set(jaychou.text)) == jaychou.vocab.idx_to_char
    assert torch.equal(again.indices, jaychou.indices) and again.sha256 == jaychou.sha256
    assert again.vocab == jaychou.vocab


def test_encode_decode(jaychou: Corpus) -> None:
    vocab = jaychou.vocab
    ids, unknown = vocab.encode("分开")
    assert unknown == [] and vocab.decode(ids) == "分开"
    assert "分" in vocab and "\n" not in vocab
    ids, unknown = vocab.encode("分x开x🙂")
    assert vocab.decode(ids) == "分开" and unknown == ["x", "🙂"]
    assert vocab.decode(torch.tensor(ids)) == "分开"
    for bad in (-1, len(vocab)):
        with pytest.raises(ValueError):
            vocab.decode([bad])


def test_vocab_rejects_unsorted() -> None:
    with pytest.raises(ValueError):
        Vocab(["b", "a"])
    assert Vocab.from_text("banana").idx_to_char == ["a", "b", "n"]


# --- pysrc and files ------------------------------------------------------------------------------

def test_pysrc_offline_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path / "nothing"))
    a, b = load_corpus("pysrc"), load_corpus("pysrc")
    assert a.name == "pysrc" and len(a.text) == 10_000
    assert a.sha256 == b.sha256 and a.vocab == b.vocab
    assert "\n" in a.text and "\r" not in a.text and "def " in a.text
    whole = load_corpus("pysrc", max_chars=0)
    assert len(whole.text) > 100_000 and whole.text.startswith(a.text)


def test_bad_max_chars() -> None:
    with pytest.raises(CorpusError, match="max_chars"):
        load_corpus("pysrc", max_chars=-1)
