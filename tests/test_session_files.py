"""Session files: the format round-trips, bad files are refused with one clear message, and a
file is never executed (no pickle anywhere). Crash and full-disk safety: test_session_atomic.py.
"""

from __future__ import annotations

import json
import os
import random
import struct
import zipfile
from pathlib import Path

import pytest
import torch
from helpers import REPO_ROOT, run_main, small_trainer
from safetensors import safe_open
from safetensors.torch import save_file

from engine import session as sess
from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.models.char_rnn import build_model
from engine.session import SessionError, container, list_sessions, load_session, save_session
from engine.session import save as session_save
from engine.session.state_schema import model_size
from engine.session.trainer_state import trainer_state
from engine.training.trainer import Trainer

PROMPT = "分开 \U0001f600 odd:\ud800 \\u0000 \x00 end"  # non-BMP, a lone surrogate, NUL


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    trainer = small_trainer(load_corpus("jaychou", max_chars=1500), model="rnn", num_steps=5,
                            epochs=1, pred_period=1, pred_len=5)
    trainer.run_epoch()
    return trainer


@pytest.fixture
def saved(tmp_path: Path, trainer: Trainer) -> Path:
    return save_session(tmp_path / "s.rnnplay", trainer, prompt=PROMPT)


def rewrite_meta(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """Re-encode a valid session with its meta document changed (checksums recomputed)."""
    with container.open_container(path, fmt=sess.FORMAT, max_version=99) as c:
        meta, tensors = json.loads(json.dumps(c.header.meta)), c.tensors()
    edit(meta)
    data = container.encode_container(tensors, meta, fmt=sess.FORMAT, version=c.header.version)
    path.write_bytes(data)


def assert_refused(path: Path, *words: str) -> str:
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message, message
    return message


# ----------------------------------------------------------------------------- round trip


def test_round_trip_keeps_everything(saved: Path, trainer: Trainer) -> None:
    s = load_session(saved)
    assert s.prompt == PROMPT.replace("\ud800", "\ufffd")  # printable (issue 23 item 3)
    assert s.config == trainer.current_config()
    assert s.vocab == trainer.corpus.vocab
    assert s.corpus.sha256 == trainer.corpus.sha256 and s.corpus.name == "jaychou"
    assert s.epoch == trainer.epoch == 1
    assert s.perplexity == trainer.history[-1].perplexity
    assert s.format_version == sess.FORMAT_VERSION
    assert s.environment["torch"] == torch.__version__ and s.environment["device"] == "cpu"
    want = trainer_state(trainer)
    for name, tensor in want["model"].items():
        assert torch.equal(s.state["model"][name], tensor)
    assert s.state["optimizer"]["state"].keys() == want["optimizer"]["state"].keys()  # int keys
    assert s.state["rng"]["python"] == want["rng"]["python"]
    assert torch.equal(s.state["rng"]["sampling"], want["rng"]["sampling"])
    assert s.state["history"] == want["history"] and s.state["samples"] == want["samples"]


def test_file_is_plain_safetensors_with_mode_0644(saved: Path) -> None:
    assert saved.stat().st_mode & 0o777 == 0o644
    with safe_open(str(saved), "pt") as f:
        keys = list(f.keys())
        metadata = f.metadata()
    assert "trainer/model/dense.weight" in keys
    assert metadata["format"] == "rnnplay-session"
    assert metadata["format_version"] == str(sess.FORMAT_VERSION)
    assert metadata["meta"].isascii()
    header_len = struct.unpack("<Q", saved.read_bytes()[:8])[0]
    assert header_len % 8 == 0


def test_list_sessions_lists_bad_session_files_and_skips_others(
    tmp_path: Path, trainer: Trainer
) -> None:
    older = save_session(tmp_path / "a.rnnplay", trainer)
    (tmp_path / "junk.rnnplay").write_bytes(b"not a session at all")
    save_file({"x": torch.zeros(2)}, str(tmp_path / "foreign.safetensors"))
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "sub.rnnplay").mkdir()
    rewrite_meta(older, lambda m: m.update(saved_at="2000-01-01T00:00:00Z"))
    newer = save_session(tmp_path / "b.rnnplay", trainer)
    infos = list_sessions(tmp_path)
    readable = [i.path for i in infos if i.readable]
    assert readable == [newer, older]  # newest first
    info = infos[[i.path for i in infos].index(newer)]
    assert (info.model, info.epoch, info.corpus, info.problem) == ("rnn", 1, "jaychou", None)
    assert info.perplexity == pytest.approx(trainer.history[-1].perplexity)
    [junk] = [i for i in infos if not i.readable]  # foreign files without the suffix: skipped
    assert junk.path.name == "junk.rnnplay"
    assert junk.problem.startswith("not an rnnplay session file")
    assert (junk.model, junk.epoch, junk.perplexity) == ("", 0, None) and junk.saved_at
    assert list_sessions(tmp_path / "missing") == []


def test_default_save_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(sess.SAVE_DIR_ENV, raising=False)
    assert sess.default_save_dir() == REPO_ROOT / "saves"
    monkeypatch.setenv(sess.SAVE_DIR_ENV, str(tmp_path))
    assert sess.default_save_dir() == tmp_path


def test_save_creates_missing_directories(tmp_path: Path, trainer: Trainer) -> None:
    path = save_session(tmp_path / "deep" / "er" / "s.rnnplay", trainer)
    assert load_session(path).epoch == 1


# ----------------------------------------------------------------------------- bad files


def test_missing_empty_and_directory(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nope.rnnplay", "no such file")
    empty = tmp_path / "empty.rnnplay"
    empty.write_bytes(b"")
    assert_refused(empty, "empty")
    assert_refused(tmp_path, "it is a folder, not a session file")
    if hasattr(os, "mkfifo"):  # opening a FIFO would block forever: refused before opening
        fifo = tmp_path / "fifo.rnnplay"
        os.mkfifo(fifo)
        assert_refused(fifo, "not a regular file")
    listed = {i.path.name: i.problem for i in list_sessions(tmp_path)}
    assert listed.pop("empty.rnnplay") == "the file is empty (0 bytes)"
    if hasattr(os, "mkfifo"):
        assert listed.pop("fifo.rnnplay") == "it is not a regular file"
    assert listed == {}


def test_truncated_at_many_offsets(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    rng = random.Random(0)
    offsets = set(range(1, 40)) | {header_end - 1, header_end, header_end + 1, len(data) - 1}
    offsets |= {rng.randrange(1, len(data)) for _ in range(120)}
    cut = tmp_path / "cut.rnnplay"
    for offset in sorted(offsets):
        cut.write_bytes(data[:offset])
        assert_refused(cut, "truncated")


def test_any_flipped_byte_is_detected(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    rng = random.Random(1)
    positions = set(range(0, 64)) | {rng.randrange(64, header_end) for _ in range(150)}
    data_positions = {rng.randrange(header_end, len(data)) for _ in range(60)}
    bad = tmp_path / "flip.rnnplay"
    for pos in sorted(positions | data_positions):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << rng.randrange(8)
        bad.write_bytes(bytes(flipped))
        message = assert_refused(bad)
        if pos in data_positions:
            assert "checksum mismatch" in message


def test_trailing_bytes_are_refused(saved: Path) -> None:
    saved.write_bytes(saved.read_bytes() + b"\0")
    assert_refused(saved, "damaged")


def _pickle_payload(marker: Path, protocol: int) -> bytes:
    """A pickle that would create `marker` if anything unpickled it: builtins.open(marker, 'w').

    Hand-assembled from opcodes, so the test itself never imports or runs pickle.
    """
    def unicode(s: str) -> bytes:
        raw = s.encode("utf-8")
        return b"X" + struct.pack("<I", len(raw)) + raw

    body = b"cbuiltins\nopen\n" + unicode(str(marker)) + unicode("w") + b"\x86R."
    if protocol >= 4:  # FRAME opcode with the frame's length, as protocol 4+ writes
        body = b"\x95" + struct.pack("<Q", len(body)) + body
    return bytes([0x80, protocol]) + body


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_is_refused_and_never_runs(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.rnnplay"
    evil.write_bytes(_pickle_payload(marker, protocol))
    assert_refused(evil, "pickle")
    assert [i.problem for i in list_sessions(tmp_path)] == [
        "it is a Python pickle, which rnnplay never loads (it can run code)"
    ]
    assert not marker.exists()


def test_torch_save_style_zip_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.rnnplay"
    with zipfile.ZipFile(evil, "w") as zf:  # the layout torch.save writes
        zf.writestr("archive/data.pkl", _pickle_payload(marker, 2))
        zf.writestr("archive/version", "3\n")
    assert_refused(evil, "zip")
    assert not marker.exists()


def test_huge_declared_header(tmp_path: Path) -> None:
    bad = tmp_path / "huge.rnnplay"
    bad.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    assert_refused(bad, "header", "limit")
    bad.write_bytes(struct.pack("<Q", 60 * 2**20) + b'{"a":1}')  # allowed size, file too short
    assert_refused(bad, "truncated")


def _raw_file(path: Path, header: dict, data: bytes = b"") -> None:
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + data)


def test_hostile_headers(tmp_path: Path) -> None:
    # safetensors' own reader refuses malformed indexes; rnnplay adds its caps and checksums.
    ok_meta = {"format": sess.FORMAT, "format_version": str(sess.FORMAT_VERSION), "meta": "{}",
               "meta_sha256": container._sha256(b"{}"), "data_sha256": container._sha256(b"")}
    empty = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
    bad = tmp_path / "bad.rnnplay"
    cases = [
        ({"__metadata__": ok_meta, **{f"t{i}": empty for i in range(20_000)}}, "limit"),
        ({"__metadata__": ok_meta, **{f"t{i}": {} for i in range(20_000)}}, "damaged"),
        ({"__metadata__": ok_meta, "t": {"dtype": "F32", "shape": [2**40, 2**40],
                                         "data_offsets": [0, 4]}}, "damaged"),
        ({"__metadata__": ok_meta, "t": {"dtype": "F32", "shape": [-1],
                                         "data_offsets": [0, 4]}}, "damaged"),
        ({"__metadata__": ok_meta, "t": {"dtype": "OBJ", "shape": [1],
                                         "data_offsets": [0, 4]}}, "damaged"),
        ({"__metadata__": ok_meta, "t": {"dtype": "F32", "shape": [2],
                                         "data_offsets": [0, 4]}}, "damaged"),
        ({"__metadata__": {**ok_meta, "meta_sha256": "0" * 64}}, "metadata checksum"),
        ({"__metadata__": {**ok_meta, "format_version": "1e9"}}, "format version"),
        ({"__metadata__": ok_meta}, "inconsistent"),  # valid container, empty meta document
    ]
    for header, word in cases:
        _raw_file(bad, header, b"\0" * 4 if len(header) == 2 else b"")
        assert_refused(bad, word)
        assert [i.problem for i in list_sessions(tmp_path)] != [None]
    bad.write_bytes(struct.pack("<Q", 16) + b'{"a":1, "a":2}  ')
    assert_refused(bad, "damaged")


def test_foreign_safetensors_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.rnnplay"
    save_file({"weight": torch.zeros(3, 3)}, str(other))
    assert_refused(other, "not an rnnplay session")


def test_future_version_is_refused(
    tmp_path: Path, trainer: Trainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_save, "FORMAT_VERSION", sess.FORMAT_VERSION + 1)
    path = save_session(tmp_path / "future.rnnplay", trainer)
    monkeypatch.undo()
    assert_refused(path, f"version {sess.FORMAT_VERSION + 1}", "upgrade")


def test_crafted_config_cannot_force_a_huge_model(saved: Path) -> None:
    # hidden 8192 x 16 layers passes config.check but would allocate gigabytes; the weights in
    # the file are tiny, so the shape check against a meta-device model must refuse it first.
    def grow(meta: dict) -> None:
        meta["trainer"]["config"].update(hidden=8192)

    rewrite_meta(saved, grow)
    assert_refused(saved, "inconsistent", "do not fit")


def test_saving_an_unencodable_state_is_a_session_error(
    tmp_path: Path, trainer: Trainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engine.session.save.trainer_state",
                        lambda t: {**trainer_state(t), "x": object()})
    with pytest.raises(SessionError, match="cannot save"):
        save_session(tmp_path / "x.rnnplay", trainer)
    assert not (tmp_path / "x.rnnplay").exists()


def test_cli_on_a_bad_file_prints_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.rnnplay"
    evil.write_bytes(_pickle_payload(marker, 4))
    code, out, err = run_main(capsys, "complete", str(evil), "分开")  # a traceback would raise
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0 and "pickle" in err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("model", "layers"),
    [("scratch", 1), ("rnn", 1), ("rnn", 2), ("gru", 1), ("gru", 3), ("lstm", 1), ("lstm", 2)],
)
def test_model_size_matches_the_models(model: str, layers: int) -> None:
    # load_session counts parameters before building a model; the count must stay exact.
    cfg = TrainConfig(model=model, hidden=12, layers=layers)
    built = build_model(model, 37, 12, layers)
    assert model_size(cfg, 37) == sum(p.numel() for p in built.state_dict().values())
