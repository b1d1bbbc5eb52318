"""Sessions an older rnnplay wrote (format version 1): they still load, are still checksummed,
and resume into the current version."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from helpers import refused

from engine import session as sess
from engine.generation.generate import predict
from engine.session import load_session, restore_trainer, save_session

V1_FILE = Path(__file__).resolve().parent.parent / "data" / "session_v1.rnnplay"

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_version_1_file_still_loads() -> None:
    # Written by rnnplay before sessions moved onto safetensors' own writer (commit eef0950).
    s = load_session(V1_FILE)
    assert s.format_version == 1 and s.epoch == 1 and s.prompt == "分开 v1"
    assert (s.config.model, s.config.hidden, s.config.sampling) == ("rnn", 8, "consecutive")
    assert s.corpus.name == "jaychou" and s.corpus.max_chars == 300
    text = predict(s.build_model(), s.vocab, "分开", 5, torch.device("cpu"))
    assert text.startswith("分开") and len(text) == 7
    assert [x["text"] for x in s.state["samples"]] == ["分开坏坏坏坏坏", "不分开坏坏坏坏坏"]


def test_a_version_1_file_is_still_checksummed(tmp_path: Path) -> None:
    data = bytearray(V1_FILE.read_bytes())
    data[-3] ^= 0x10  # inside the last tensor's bytes
    bad = tmp_path / "v1.rnnplay"
    bad.write_bytes(bytes(data))
    refused(bad, "checksum mismatch")


def test_a_version_1_file_resumes_and_saves_as_the_current_version(tmp_path: Path) -> None:
    trainer = restore_trainer(load_session(V1_FILE), device="cpu", epochs=2)
    trainer.run_epoch()
    again = load_session(save_session(tmp_path / "v2.rnnplay", trainer))
    assert again.format_version == sess.FORMAT_VERSION and again.epoch == 2
