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
import math
import os
import random
import re
import signal
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
from engine.session.container import DTYPE_NAMES, encode_container, open_container
from engine.training.events import BatchEnd
from engine.training.trainer import Trainer

SECONDS = float(os.environ.get("RNNPLAY_FUZZ_SECONDS", "3"))
SEED = int(os.environ.get("RNNPLAY_FUZZ_SEED", "0"))
RAW = {"@@inf@@": "1e999", "@@-inf@@": "-1e999", "@@big@@": "1" + "0" * 400}
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 3, 624, 2**31, 2**32, 2**53 + 1, 2**63, 2**64, -(2**63),
    10**100, 0.5, -0.0, 1e308, -1e308, 5e-324, *RAW,
    "", "x", "分开", "\ud800", "分\udfff", "٣", "²", "a" * 5000, 1.8e307, "1e999", "cuda:99",
    "/dev/zero",
    [], [1], [123], [None], ["a", "b"], [[]], {}, {"a": 1},
    {"__tensor__": "nope"}, {"__tuple__": [1, 2]}, {"__tuple__": 5}, {"__dict__": [[1, 2]]},
    {"__dict__": [[[1], 2]]}, {"__float__": "inf"}, {"__float__": "nan"}, {"__float__": "x"},
    json.loads("[" * 80 + "]" * 80),
]

# What Python or torch say, which a refusal must put in words instead (issue 23 item 14).
RAW_TEXT = re.compile(
    r"\b[A-Z]\w*Error\b|Traceback|frame #|\('\w+'\)|mt19937|NoneType|float\(\)|int\(\)"
)

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
    assert info.readable or not RAW_TEXT.search(info.problem or ""), info.problem
    try:
        session = load_session(path)
    except SessionError as e:
        assert "\n" not in str(e) and not RAW_TEXT.search(str(e)), str(e)
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
        assert "\n" not in str(e) and not RAW_TEXT.search(str(e)), str(e)
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


# ------------------------------------------------------------------------ every field, by class
# Issue 23: each class of hostile value put in every place it can go, one place at a time.
# Every case must end in one line that names the problem in words (or, where the value is
# harmless, in a session that works), leave the file as it was, and end within a minute.

TYPED = ("prompt", "label")  # text a user typed: a lone surrogate comes back as U+FFFD
CASE_SECONDS = 60


class Hung(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise Hung


def _value_at(doc: Any, place: tuple) -> Any:
    for key in place:
        doc = doc[key]
    return doc


def _set_at(doc: Any, place: tuple, value: Any) -> None:
    _value_at(doc, place[:-1])[place[-1]] = value


def _run_case(path: Path, corpus: Corpus, what: str, failures: list[str]) -> str:
    """_use(path) under an alarm, with the checks every case shares; returns how far it got."""
    before = path.read_bytes()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(CASE_SECONDS)
    try:
        outcome = _use(path, corpus)
    except Exception as e:  # anything but a worded SessionError is the failure looked for
        failures.append(f"{what}: {type(e).__name__}: {e}"[:300])
        return "failed"
    finally:
        signal.alarm(0)
    if outcome.startswith("refused") and path.read_bytes() != before:
        failures.append(f"{what}: the refused file was changed")
    return outcome


def _classes_run(bases: tuple[Corpus, list[Path]], tmp_path: Path, cases: Any) -> Counter[str]:
    """Write each (what, meta, tensors) of cases(meta, tensors) as a session and use it."""
    corpus, sources = bases
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for n, source in enumerate(sources):
        with open_container(source, fmt=sess.FORMAT, max_version=sess.FORMAT_VERSION) as c:
            meta0, tensors0, data_sha = c.header.meta, c.tensors(), c.header.data_sha256
        for i, (what, meta, tensors) in enumerate(cases(meta0, tensors0)):
            folder = tmp_path / f"{n}-{i}"
            folder.mkdir()
            path = folder / "fuzz.rnnplay"
            if tensors is tensors0:
                _write(path, meta, tensors, data_sha)
            else:
                path.write_bytes(session_bytes_of(meta, tensors))
            outcomes[_run_case(path, corpus, f"{source.stem}: {what}", failures)] += 1
    assert not failures, "\n".join(failures[:20])
    return outcomes


def session_bytes_of(meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> bytes:
    """A session with these tensors (manifest and every checksum made to match)."""
    meta = {**meta, "tensors": {n: [DTYPE_NAMES[t.dtype], list(t.shape)]
                                for n, t in tensors.items()}}
    return encode_container(tensors, meta, fmt=sess.FORMAT, version=sess.FORMAT_VERSION)


def _leaves(meta: dict[str, Any], kinds: tuple[type, ...]) -> list[tuple]:
    return [p for p in _places(meta) if p and type(_value_at(meta, p)) in kinds]


def test_a_lone_surrogate_in_every_text_field(bases: tuple[Corpus, list[Path]],
                                              tmp_path: Path) -> None:
    def cases(meta0: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
        for place in _leaves(meta0, (str,)):
            meta = copy.deepcopy(meta0)
            _set_at(meta, place, _value_at(meta, place)[:3] + "\ud800")
            yield "/".join(map(str, place)), meta, tensors

    outcomes = _classes_run(bases, tmp_path, cases)
    assert outcomes["trained on"] <= 2 * len(TYPED)  # only typed text loads, made printable
    assert sum(outcomes.values()) > 40


def test_a_non_ascii_digit_in_every_numeric_field(bases: tuple[Corpus, list[Path]],
                                                  tmp_path: Path) -> None:
    def cases(meta0: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
        for place in _leaves(meta0, (int, float)):
            for digits in ("٣", "²"):
                meta = copy.deepcopy(meta0)
                _set_at(meta, place, digits)
                yield f"{'/'.join(map(str, place))} = {digits}", meta, tensors

    outcomes = _classes_run(bases, tmp_path, cases)
    assert outcomes["failed"] == 0 and outcomes["trained on"] == 0, outcomes


INF_ALLOWED = ("perplexity", "val_perplexity", "grad_through_time")  # the trainer writes inf


def test_non_finite_and_huge_values_in_every_history_field(bases: tuple[Corpus, list[Path]],
                                                           tmp_path: Path) -> None:
    values = [1.8e307, -1e308, {"__float__": "nan"}, {"__float__": "inf"},
              {"__float__": "-inf"}]

    def cases(meta0: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
        for place in _leaves(meta0, (int, float)):
            if place[:2] != ("trainer", "history") and place[:1] != ("summary",):
                continue
            for value in values:
                meta = copy.deepcopy(meta0)
                _set_at(meta, place, value)
                yield f"{'/'.join(map(str, place))} = {value}", meta, tensors

    outcomes = _classes_run(bases, tmp_path, cases)
    # Over every base, as the cases are: which epochs hold a gradient-flow record depends on
    # how long each took (the probe's time share), so the bases differ from run to run.
    inf_cases = sum(1 for source in bases[1] for p in _leaves(_meta_of(source), (int, float))
                    if p[:2] == ("trainer", "history") and set(p) & set(INF_ALLOWED))
    assert outcomes["trained on"] <= 2 * inf_cases, outcomes  # inf where the trainer writes it


def meta_of_base(bases: tuple[Corpus, list[Path]]) -> dict[str, Any]:
    return _meta_of(bases[1][0])


def _meta_of(source: Path) -> dict[str, Any]:
    with open_container(source, fmt=sess.FORMAT, max_version=sess.FORMAT_VERSION) as c:
        return c.header.meta


def test_every_optimizer_state_field_mutated(bases: tuple[Corpus, list[Path]],
                                             tmp_path: Path) -> None:
    def cases(meta0: dict[str, Any], tensors0: dict[str, torch.Tensor]) -> Any:
        slots = sorted(n for n in tensors0 if n.startswith("trainer/optimizer/state/"))
        for name in slots:
            for value in (-1.0, 3.5, 1e30, math.nan, math.inf, -math.inf, -1e-3):
                tensors = {**tensors0, name: torch.full_like(tensors0[name], value)}
                yield f"{name} = {value}", meta0, tensors
            for shape in ((), (1,), (2, 2)):
                tensors = {**tensors0, name: torch.zeros(shape)}
                yield f"{name} of shape {shape}", meta0, tensors
        for key, value in [("lr", -1.0), ("lr", "٣"), ("eps", 0.0), ("betas", [0.9, 2.0]),
                           ("amsgrad", True), ("weight_decay", math.nan), ("params", [])]:
            meta = copy.deepcopy(meta0)
            group = meta["trainer"]["optimizer"]["param_groups"][0]
            if key in group:
                group[key] = value if not isinstance(value, float) or math.isfinite(value) \
                    else {"__float__": "nan"}
                yield f"param_groups.{key} = {value}", meta, tensors0

    outcomes = _classes_run(bases, tmp_path, cases)
    # a step a little under the trainer's count (3.5 is not whole; zero moments fit) may load
    assert outcomes["failed"] == 0 and sum(outcomes.values()) > 100, outcomes
