"""Crafted session files with valid checksums around values no session holds (issues 11 and 23):
infinite or huge numbers, lone surrogates, format versions in other digits, optimizer and
generator states no run has, a dimension torch cannot describe. Each is refused in one line
naming the field, by the listing and the loader alike. The random header fuzz is in
tests/test_session_fuzz.py."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import header_of, meta_of, refused, run_main, write_with_meta
from safetensors.torch import save as safetensors_save

from engine import session as sess
from engine.session import list_sessions, load_session, save_session
from engine.session.container import DTYPE_NAMES, open_container
from engine.training.events import BatchEnd
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------------------- hostile values


INF = "1e999"  # what json.loads turns into float('inf'); json.dumps cannot write it


def _with(saved: Path, tmp_path: Path, edit: Any, raw: dict[str, str] | None = None) -> Path:
    """saved with its meta document edited (raw: placeholders replaced by raw JSON text)."""
    meta = meta_of(saved)
    edit(meta)
    text = json.dumps(meta, ensure_ascii=True, separators=(",", ":"))
    for placeholder, value in (raw or {}).items():
        text = text.replace(json.dumps(placeholder), value)
    out = tmp_path / f"crafted-{len(list(tmp_path.iterdir()))}.rnnplay"
    write_with_meta(out, saved, text)
    return out


def test_listing_survives_an_infinite_epoch_and_marks_the_file(
    tmp_path: Path, saved: Path
) -> None:
    # The issue's case: "epoch": 1e999 with the checksums recomputed crashed the load screen.
    folder = tmp_path / "saves"
    folder.mkdir()
    good = shutil.copy(saved, folder / "good.rnnplay")
    bad = _with(saved, folder, lambda m: m["summary"].update(epoch="@inf"), {"@inf": INF})
    infos = {i.path: i for i in list_sessions(folder)}
    assert infos[Path(good)].readable and infos[Path(good)].epoch == 1
    assert not infos[bad].readable
    assert infos[bad].problem == (
        "summary.epoch must be a whole number from 0 to 9007199254740992, not inf"
    )
    refused(bad, "summary.epoch")


@pytest.mark.parametrize(
    ("edit", "raw", "words"),
    [
        (lambda m: m["trainer"]["config"].update(prefixes=[123]), None, "prefixes"),
        (lambda m: m["corpus"].update(max_chars="@inf"), {"@inf": INF}, "max"),
        (lambda m: m["trainer"]["config"].update(threads=100_000), None, "threads"),
        (lambda m: m["trainer"]["config"].update(hidden=1e300), None, "hidden"),
        (lambda m: m["trainer"]["config"].update(lr="@inf"), {"@inf": INF}, "learning rate"),
        (lambda m: m["trainer"].update(epoch=2**64), None, "trainer.epoch"),
        (lambda m: m["trainer"].update(step=-1), None, "trainer.step"),
        (lambda m: m["trainer"]["history"][0].update(perplexity="x"), None, "perplexity"),
        (lambda m: m["trainer"]["history"].append(5), None, "history[1]"),
        (lambda m: m["trainer"]["samples"][0].update(text=None), None, "samples[0].text"),
        (lambda m: m["trainer"]["rng"]["python"][1].__setitem__(0, 2**40), None, "python"),
        (lambda m: m["trainer"]["rng"]["python"][1].pop(), None, "python"),
        (lambda m: m["trainer"]["rng"].update(torch=[1, 2]), None, "rng.torch"),
        (lambda m: m["trainer"]["optimizer"]["param_groups"][0].update(eps=-1.0), None, "eps"),
        (lambda m: m["trainer"]["optimizer"]["param_groups"][0].update(capturable=True), None,
         "capturable"),
        (lambda m: m["trainer"]["optimizer"]["param_groups"][0].update(params=[0, 0]), None,
         "params"),
        (lambda m: m["trainer"]["optimizer"].update(state={"__dict__": [[99, {}]]}), None,
         "optimizer.state"),
        (lambda m: m.update(prompt=["分开"]), None, "prompt"),
        (lambda m: m.update(vocab=["b", "a"]), None, "vocab"),
        (lambda m: m.update(environment={"torch": 2.1}), None, "environment"),
        (lambda m: m.update(extra=1), None, "extra"),
        (lambda m: m.update(saved_at="yesterday"), None, "saved_at"),
    ],
)
def test_hostile_values_with_valid_checksums_are_refused_by_name(
    tmp_path: Path, saved: Path, edit: Any, raw: dict[str, str] | None, words: str
) -> None:
    bad = _with(saved, tmp_path, edit, raw)
    message = refused(bad, "inconsistent", words)
    assert "Traceback" not in message


def test_a_mid_epoch_cursor_out_of_shape_is_refused(tmp_path: Path, trainer: Trainer) -> None:
    # Stop inside an epoch (consecutive sampling keeps a hidden state), then lie about its rows.
    def stop_after_a_batch(event: object) -> None:
        if isinstance(event, BatchEnd):
            mid.stop()

    mid = Trainer(trainer.corpus, trainer.config, stop_after_a_batch)
    mid.run()
    path = save_session(tmp_path / "mid.rnnplay", mid)
    assert load_session(path).state["cursor"] is not None
    bad = _with(path, tmp_path, lambda m: m["trainer"]["cursor"].update(batch=10**6))
    refused(bad, "trainer.cursor.batch")


# ----------------------------------------------------------------------------- issue 23


def _with_parts(saved: Path, tmp_path: Path, edit_meta: Any = None, edit_tensors: Any = None,
                version: str = str(sess.FORMAT_VERSION)) -> Path:
    """saved with its meta document and tensors edited and every checksum recomputed, written
    with `version` as its format version text."""
    with open_container(saved, fmt=sess.FORMAT, max_version=sess.FORMAT_VERSION) as c:
        meta, tensors = c.header.meta, c.tensors()
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    meta["tensors"] = {n: [DTYPE_NAMES[t.dtype], list(t.shape)] for n, t in tensors.items()}
    text = json.dumps(meta, ensure_ascii=True, separators=(",", ":"))
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(tensors[name].contiguous().reshape(-1).view(torch.uint8).numpy())
    metadata = {"format": sess.FORMAT, "format_version": version, "meta": text,
                "meta_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "data_sha256": digest.hexdigest()}
    out = tmp_path / f"crafted-{len(list(tmp_path.iterdir()))}.rnnplay"
    out.write_bytes(safetensors_save(tensors, metadata=metadata))
    return out


def refused_everywhere(path: Path, *words: str) -> str:
    """Listed as damaged or refused on load, in one line naming the problem, the file as it was."""
    before = path.read_bytes()
    [info] = [i for i in list_sessions(path.parent) if i.path == path]
    message = refused(path, *words)
    if not info.readable:
        assert info.problem and "\n" not in info.problem and words[0] in info.problem
    assert path.read_bytes() == before
    return message


@pytest.mark.parametrize("version", ["²", "٣", "２", "1²", "²2"])
def test_a_format_version_in_other_digits_is_refused_in_one_line(
    tmp_path: Path, saved: Path, version: str
) -> None:
    # "²".isdigit() is True and int("²") raises: the listing (ctrl+o) and every command crashed.
    assert version[0].isdigit()
    bad = _with_parts(saved, tmp_path, version=version)
    refused_everywhere(bad, "format version")


def test_the_cli_refuses_a_format_version_in_other_digits(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _with_parts(saved, tmp_path, version="²")
    for args in (["complete", str(bad)], ["inspect", str(bad)],
                 ["train", "--resume", str(bad), "--epochs", "2"]):
        code, _, err = run_main(capsys, *args)
        assert code != 0 and "Traceback" not in err, err
        assert err.count("\n") == 1 and "format version" in err, err


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda m: m["trainer"]["history"][0].update(perplexity=1e308), "history[0].perplexity"),
        (lambda m: m["trainer"]["history"][0].update(perplexity=1.8e307), "perplexity"),
        (lambda m: m["trainer"]["history"][0].update(perplexity={"__float__": "nan"}),
         "history[0].perplexity"),
        (lambda m: m["trainer"]["history"][0].update(val_perplexity={"__float__": "nan"}),
         "val_perplexity"),
        (lambda m: m["trainer"]["history"][0].update(grad_norm={"__float__": "inf"}),
         "grad_norm"),
        (lambda m: m["trainer"]["history"][0].update(lr=-1e308), "history[0].lr"),
        (lambda m: m["trainer"]["history"][0].update(seconds=10**400), "seconds"),
        (lambda m: m["summary"].update(perplexity=1e308), "summary.perplexity"),
    ],
)
def test_huge_or_non_finite_history_values_are_refused(
    tmp_path: Path, saved: Path, edit: Any, words: str
) -> None:
    # A perplexity near 1e308 hung the app's plot (10**k ticks up to hi * 10 = inf).
    bad = _with_parts(saved, tmp_path, edit)
    refused_everywhere(bad, words)


SURROGATE = "\ud800"


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda m: m["summary"].update(corpus=SURROGATE), "summary.corpus"),
        (lambda m: m["corpus"].update(name=f"/tmp/x{SURROGATE}.txt"), "corpus.name"),
        (lambda m: m["trainer"]["config"].update(prefixes=["分" + SURROGATE]),
         "trainer.config.prefixes[0]"),
        (lambda m: m["trainer"]["samples"][0].update(prefix=SURROGATE),
         "trainer.samples[0].prefix"),
        (lambda m: m["trainer"]["samples"][1].update(text="x\udfff"), "trainer.samples[1].text"),
        (lambda m: m["environment"].update(torch=SURROGATE), "environment.torch"),
        (lambda m: m["environment"].update({SURROGATE: "x"}), "a key in environment"),
        (lambda m: m["vocab"].__setitem__(-1, SURROGATE), "vocab[")],
)
def test_a_lone_surrogate_in_any_text_is_refused(
    tmp_path: Path, saved: Path, edit: Any, words: str
) -> None:
    # It passed the schema, then train --resume / complete / restore raised UnicodeEncodeError
    # writing it out (and the prefixes case lost the epoch just trained).
    bad = _with_parts(saved, tmp_path, edit)
    message = refused_everywhere(bad, words, "lone surrogate")
    message.encode("utf-8")  # the refusal itself can be printed


def test_a_lone_surrogate_in_typed_text_comes_back_printable(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The prompt and the run's label are what a user typed, saved as given: the session loads,
    # the half character shows as U+FFFD, and complete's default prefix prints (in this
    # process: pytest's captured stdout encodes UTF-8 strictly, as a pipe's does).
    bad = _with_parts(saved, tmp_path, lambda m: m.update(prompt="分开" + SURROGATE,
                                                         label=f"#1 {SURROGATE}"))
    session = load_session(bad)
    assert (session.prompt, session.label) == ("分开\ufffd", "#1 \ufffd")
    code, out, err = run_main(capsys, "complete", str(bad), "--chars", "3")
    assert code == 0 and "Traceback" not in err, err
    assert out.startswith("分开")
    out.encode("utf-8")


def test_resume_with_a_surrogate_prefix_is_one_line_and_loses_nothing(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _with_parts(saved, tmp_path,
                      lambda m: m["trainer"]["config"].update(prefixes=["分" + SURROGATE]))
    before = bad.read_bytes()
    code, _, err = run_main(capsys, "train", "--resume", str(bad), "--epochs", "3")
    assert code == 2 and "Traceback" not in err, err
    assert err.count("\n") == 1 and "lone surrogate" in err
    assert bad.read_bytes() == before


STEP = "trainer/optimizer/state/0/step"
EXP_AVG = "trainer/optimizer/state/0/exp_avg"
EXP_AVG_SQ = "trainer/optimizer/state/0/exp_avg_sq"


def _fill(name: str, value: float) -> Any:
    return lambda t: t[name].fill_(value)


@pytest.mark.parametrize(
    ("edit_tensors", "edit_meta", "words"),
    [
        (_fill(STEP, -1), None, "state.0.step"),  # was ZeroDivisionError on resume
        (_fill(STEP, 1e30), None, "state.0.step"),  # was OverflowError
        (_fill(STEP, 3.7), None, "state.0.step"),
        (_fill(STEP, 10**6), None, "state.0.step"),  # more steps than the trainer took
        (_fill(STEP, math.nan), None, "state.0.step"),
        (_fill(EXP_AVG_SQ, -1.0), None, "state.0.exp_avg_sq"),  # was a complex-number error
        (_fill(EXP_AVG, math.inf), None, "state.0.exp_avg"),
        (_fill(EXP_AVG_SQ, math.nan), None, "state.0.exp_avg_sq"),
        (lambda t: t.update({STEP: torch.zeros(1)}), None, "state.0.step"),
        (lambda t: t.update({EXP_AVG: torch.zeros(1)}), None, "state.0.exp_avg"),
        (lambda t: t.pop(EXP_AVG),
         lambda m: m["trainer"]["optimizer"]["state"]["__dict__"][0][1].pop("exp_avg"),
         "trainer.optimizer.state.0"),
        (_fill("trainer/model/rnn.weight_hh_l0", math.nan), None, "trainer.model.rnn.weight_hh"),
        (lambda t: t["trainer/rng/torch"].fill_(7), None, "trainer.rng.torch"),  # "Invalid mt19937"
        (lambda t: t["trainer/rng/sampling"].fill_(0), None, "trainer.rng.sampling"),
    ],
)
def test_optimizer_and_generator_states_no_run_holds_are_refused(
    tmp_path: Path, saved: Path, edit_tensors: Any, edit_meta: Any, words: str
) -> None:
    bad = _with_parts(saved, tmp_path, edit_meta, edit_tensors)
    message = refused_everywhere(bad, words)
    assert "Error" not in message and "mt19937" not in message


def test_a_zero_size_tensor_with_a_huge_dimension_is_one_line(
    tmp_path: Path, saved: Path
) -> None:
    # Zero bytes whatever its dimensions, so safetensors accepts it; torch cannot describe a
    # dimension of 2**63 and printed a TypeError with 24 C++ frames.
    n, head = header_of(saved)
    data = saved.read_bytes()[8 + n :]
    meta = meta_of(saved)
    name = "trainer/model/extra"
    meta["tensors"][name] = ["F32", [0, 2**63]]
    meta["trainer"]["model"]["extra"] = {"__tensor__": name}
    meta["trainer"]["optimizer"]["param_groups"][0]["params"].append(len(meta["trainer"]["model"])
                                                                     - 1)
    text = json.dumps(meta, ensure_ascii=True, separators=(",", ":"))
    head["__metadata__"].update(meta=text, meta_sha256=hashlib.sha256(text.encode()).hexdigest())
    head[name] = {"dtype": "F32", "shape": [0, 2**63], "data_offsets": [len(data), len(data)]}
    raw = json.dumps(head).encode()
    raw += b" " * (-len(raw) % 8)
    bad = tmp_path / "dim.rnnplay"
    bad.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    message = refused_everywhere(bad, "dimension of 9223372036854775808")
    assert "frame" not in message and "TypeError" not in message
