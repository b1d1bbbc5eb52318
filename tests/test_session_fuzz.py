"""Fuzz of the session header: valid checksums around hostile values (issue 11 item 10).

Each case takes a real session, changes one place of its meta document (the summary, corpus
reference, settings, counters, history, samples, cursor, RNG states, optimizer, manifest...):
replaces the value by one of another type or an extreme, deletes it or adds a field, and
recomputes the meta checksum, so every integrity check passes. Then listing the folder, loading,
restoring a trainer, training an epoch and completing a prompt must each work or end in one
SessionError; any other exception is a failure.

CI runs it for a few seconds; RNNPLAY_FUZZ_SECONDS=600 runs longer by hand, and
RNNPLAY_FUZZ_SEED picks another sequence of cases.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import small_trainer
from safetensors.torch import save

from engine import session as sess
from engine.data.corpus import Corpus, load_corpus
from engine.generation.generate import predict
from engine.session import SessionError, list_sessions, load_session, restore_trainer
from engine.session.container import open_container
from engine.training.events import BatchEnd
from engine.training.trainer import Trainer

SECONDS = float(os.environ.get("RNNPLAY_FUZZ_SECONDS", "3"))
SEED = int(os.environ.get("RNNPLAY_FUZZ_SEED", "0"))
RAW = {"@@inf@@": "1e999", "@@-inf@@": "-1e999", "@@big@@": "1" + "0" * 400}
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 3, 624, 2**31, 2**32, 2**53 + 1, 2**63, 2**64, -(2**63),
    10**100, 0.5, -0.0, 1e308, -1e308, 5e-324, *RAW,
    "", "x", "分开", "\ud800", "a" * 5000, "1e999", "cuda:99", "/dev/zero",
    [], [1], [123], [None], ["a", "b"], [[]], {}, {"a": 1},
    {"__tensor__": "nope"}, {"__tuple__": [1, 2]}, {"__tuple__": 5}, {"__dict__": [[1, 2]]},
    {"__dict__": [[[1], 2]]}, {"__float__": "inf"}, {"__float__": "nan"}, {"__float__": "x"},
    json.loads("[" * 80 + "]" * 80),
]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _stopped_mid_epoch(trainer: Trainer, epochs: int) -> Trainer:
    """The trainer, having completed `epochs` epochs and stopped inside the next one."""
    batches = [0]

    def stop_inside(event: object) -> None:
        if isinstance(event, BatchEnd):
            batches[0] += 1
            if batches[0] == 1:
                trainer.stop()

    for _ in range(epochs):
        trainer.run_epoch()
    trainer.on_event = stop_inside
    trainer.run()
    return trainer


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, list[Path]]:
    corpus = load_corpus("jaychou", max_chars=300)
    folder = tmp_path_factory.mktemp("bases")
    common = dict(hidden=8, batch_size=4, num_steps=5, epochs=9, pred_period=1, pred_len=3)
    paths = []
    for name, sampling in [("rnn", "consecutive"), ("scratch", "random")]:
        trainer = small_trainer(corpus, model=name, sampling=sampling, **common)
        trainer = _stopped_mid_epoch(trainer, epochs=2)
        paths.append(sess.save_session(folder / f"{name}.rnnplay", trainer, prompt="分开"))
    return corpus, paths


def _places(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON document; long lists contribute their ends and one middle item."""
    places = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            places += _places(value, (*path, key))
    elif isinstance(doc, list):
        picks = range(len(doc)) if len(doc) <= 4 else sorted({0, 1, len(doc) // 2, len(doc) - 1})
        for i in picks:
            places += _places(doc[i], (*path, i))
    return places


def _mutate(meta: dict[str, Any], place: tuple, rng: random.Random) -> str:
    """Change meta at place; returns what was done (for the failure report)."""
    if not place:
        meta[f"x{rng.randrange(9)}"] = 1
        return "added a top-level field"
    parent = meta
    for key in place[:-1]:
        parent = parent[key]
    last = place[-1]
    roll = rng.random()
    if roll < 0.1 and isinstance(parent, dict):
        del parent[last]
        return "deleted"
    if roll < 0.15 and isinstance(parent, dict):
        parent[f"extra{rng.randrange(9)}"] = rng.choice(HOSTILE)
        return "added a field beside it"
    if roll < 0.2 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
        return "appended a copy"
    value = rng.choice(HOSTILE)
    if value == {"__tensor__": "nope"} and rng.random() < 0.5:
        value = {"__tensor__": rng.choice(sorted(meta["tensors"]))}  # a real one, misplaced
    parent[last] = copy.deepcopy(value)
    return f"set to {json.dumps(value)[:60]}"


def _write(path: Path, meta: dict[str, Any], tensors: dict[str, torch.Tensor], data_sha: str
           ) -> None:
    text = json.dumps(meta, ensure_ascii=True, separators=(",", ":"))
    for placeholder, raw in RAW.items():
        text = text.replace(json.dumps(placeholder), raw)
    metadata = {"format": sess.FORMAT, "format_version": str(sess.FORMAT_VERSION), "meta": text,
                "meta_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "data_sha256": data_sha}
    path.write_bytes(save(tensors, metadata=metadata))


def _use(path: Path, corpus: Corpus) -> str:
    """Everything a user can do with a session file; returns how far it got."""
    [info] = list_sessions(path.parent)
    try:
        session = load_session(path)
    except SessionError as e:
        assert "\n" not in str(e)
        if info.readable:
            return "refused on load"  # the summary in the header is sound, the damage deeper
        # The load screen lists it with why, in one line, and nothing read from the bad header.
        assert info.problem and info.problem.strip() and "\n" not in info.problem, info.problem
        assert (info.model, info.epoch, info.perplexity, info.corpus) == ("", 0, None, "")
        return "refused on load, listed as damaged"
    assert info.readable, info.problem  # what loads must list
    predict(session.build_model(), session.vocab, session.prompt[:20] or "分", 3,
            torch.device("cpu"))
    try:
        trainer = restore_trainer(session, device="cpu", corpus=corpus, epochs=session.epoch + 1)
    except SessionError as e:
        assert "\n" not in str(e)
        return "refused on resume"
    trainer.run()  # one more epoch; a crafted lr or clip may end it "diverged", as it should
    return "trained on"


def test_fuzz_the_session_header(bases: tuple[Corpus, list[Path]], tmp_path: Path) -> None:
    corpus, sources = bases
    originals = []
    for source in sources:
        with open_container(source, fmt=sess.FORMAT, max_version=sess.FORMAT_VERSION) as c:
            originals.append((c.header.meta, c.tensors(), c.header.data_sha256))
    rng = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + SECONDS
    case = 0
    while time.monotonic() < deadline or case < 20:
        meta0, tensors, data_sha = originals[case % len(originals)]
        meta = copy.deepcopy(meta0)
        place = rng.choice(_places(meta))
        what = _mutate(meta, place, rng)
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        path = folder / "fuzz.rnnplay"
        _write(path, meta, tensors, data_sha)
        try:
            outcomes[_use(path, corpus)] += 1
        except Exception as e:  # the point of the test: nothing but SessionError gets out
            failures.append(f"{'/'.join(map(str, place))} {what}: {type(e).__name__}: {e}"[:300])
        case += 1
    print(f"\nsession header fuzz: {case} cases in {SECONDS:g} s (seed {SEED}): "
          f"{dict(outcomes)}; {len(failures)} failures")
    assert not failures, "\n".join(failures[:20])
    assert outcomes["refused on load"] > 0 and sum(outcomes.values()) == case
