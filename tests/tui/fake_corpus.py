"""The fake engine's corpus: a fixed stretch of lyrics (or a file), its vocabulary and indices.

Same names and interface as engine.corpus, without torch (importing engine.corpus would pull
torch into the snapshot tests), so CorpusError is the fake's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT = (
    "想要有直升机 想要和你飞到宇宙去 想要和你融化在一起 融化在宇宙里 "
    "我每天每天每天在想想想想著你 这样的甜蜜 让我开始相信命运 感谢地心引力 让我碰到你 "
    "分开 不分开 我不能再想 我不能再想 我不 我不 我不能 爱情走的太快就像龙卷风 "
    "不能承受我已无处可躲 我不要再想 我不要再想 我不 我不 我不要再想你 "
)


class CorpusError(Exception):
    pass


class Vocab:
    def __init__(self, text: str) -> None:
        self.idx_to_char = sorted(set(text))
        self.char_to_idx = {c: i for i, c in enumerate(self.idx_to_char)}

    def __len__(self) -> int:
        return len(self.idx_to_char)

    def __contains__(self, ch: object) -> bool:
        return ch in self.char_to_idx

    def encode(self, text: str) -> tuple[list[int], list[str]]:
        known = [self.char_to_idx[c] for c in text if c in self.char_to_idx]
        return known, [c for c in text if c not in self.char_to_idx]

    def decode(self, idx: list[int]) -> str:
        return "".join(self.idx_to_char[i] for i in idx)


@dataclass(frozen=True)
class Corpus:
    name: str
    text: str
    vocab: Vocab
    indices: list[int]
    sha256: str = "0" * 64


def load_corpus(
    spec: str = "jaychou", max_chars: int = 10_000, corpus_dir: Any = None, progress: Any = None
) -> Corpus:
    if spec in ("jaychou", "pysrc"):
        text = TEXT * 16 if spec == "jaychou" else "def f(x):\n    return x\n" * 20
    elif Path(spec).is_file():
        text = Path(spec).read_text(encoding="utf-8")
    else:
        raise CorpusError(f"no corpus {spec!r}: use jaychou, pysrc or a file path")
    if max_chars:
        text = text[:max_chars]
    vocab = Vocab(text)
    return Corpus(spec, text, vocab, vocab.encode(text)[0])
