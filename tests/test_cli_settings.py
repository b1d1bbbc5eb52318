"""Settings on the command line: bounded where parsed, what may change on --resume, and a run
too big for memory refused before anything is built."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.session import load_session, save_session
from engine.training.trainer import Trainer
from rnnplay.cli import main

SMALL = ["--max-chars", "2000", "--hidden", "32", "--batch-size", "8", "--num-steps", "10",
         "--threads", "1", "--device", "cpu", "--pred-period", "0"]

TRAIN, BOTH = [["train"]], [["train"], []]  # [] is the app

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def session(tmp_path: Path, capsys: pytest.CaptureFixture[str], jaychou) -> Path:
    """A hidden-32 scratch session trained 2 epochs."""
    path = tmp_path / "s.rnnplay"
    code, _, err = _main(capsys, "train", *SMALL, "--epochs", "2", "--save", str(path))
    assert code == 0, err
    return path


@pytest.mark.parametrize(
    ("argv", "needle", "commands"),
    [
        (("--lr", "1e39"), "learning rate must be at most about 3.4 × 10^38", BOTH),
        (("--seed", "18446744073709551616"), "seed must be a whole number", TRAIN),
        (("--threads", "100000"), "threads must be a whole number from 1 to 1,024", BOTH),
        (("--max-chars", "10000000000"), "max chars must be a whole number", BOTH),
        (("--hidden", "1e3"), "hidden must be a whole number, not '1e3'", BOTH),
        (("--pred-len", "0"), "prediction length", TRAIN),
    ],
)
def test_out_of_range_values_are_one_line_before_anything_runs(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], needle: str, commands: list
) -> None:
    for command in commands:  # the headless command and the app refuse them alike
        try:
            code = main([*command, *argv])
        except SystemExit as exit_:  # argparse's usage error (a value that is not a number)
            code = exit_.code
        err = capsys.readouterr().err
        assert code == 2, (command, argv, err)
        assert needle in err and "Traceback" not in err, err


def test_resume_refuses_every_fixed_option_given_even_at_its_default(
    session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # hidden 256 and model scratch are the defaults: a check against the defaults let them by.
    for option in (["--hidden", "256"], ["--model", "scratch"], ["--lr", "100"],
                   ["--corpus", "jaychou"], ["--seed", "0"]):
        code, _, err = _main(capsys, "train", "--resume", str(session), *option)
        assert code == 2 and f"drop {option[0]} " in err, (option, err)
    assert load_session(session).config.hidden == 32


def test_resume_may_change_what_is_shown_and_stays_bit_exact(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, shown = tmp_path / "plain.rnnplay", tmp_path / "shown.rnnplay"
    shutil.copyfile(session, plain)
    shutil.copyfile(session, shown)
    assert _main(capsys, "train", "--resume", str(plain), "--epochs", "4")[0] == 0
    code, out, err = _main(capsys, "train", "--resume", str(shown), "--epochs", "4",
                           "--pred-period", "1", "--pred-len", "3", "--prefixes", "我,你")
    assert code == 0, err
    assert " - 我" in out and " - 你" in out
    a, b = load_session(plain), load_session(shown)
    assert b.config.pred_period == 1 and b.config.prefixes == ("我", "你")
    assert a.state["step"] == b.state["step"] > 0
    for name, tensor in a.state["model"].items():
        assert torch.equal(tensor, b.state["model"][name]), name
    assert [e["perplexity"] for e in a.state["history"]] == \
        [e["perplexity"] for e in b.state["history"]]


def test_a_session_holding_hostile_threads_is_refused_in_one_line(tmp_path: Path, jaychou) -> None:
    # Valid checksums, hostile value: --resume used to hand 100,000 to torch (a segfault).
    corpus = load_corpus("jaychou", max_chars=1000)
    trainer = Trainer(corpus, TrainConfig(hidden=8, batch_size=4, num_steps=5, epochs=1,
                                          device="cpu", threads=1))
    trainer.config = replace(trainer.config, threads=100_000)
    path = save_session(tmp_path / "hostile.rnnplay", trainer)
    commands = [["train", "--resume", str(path)], ["complete", str(path), "分开"]]
    # One process for both (a segfault there fails the test, not the suite), as a new
    # interpreter importing torch for each cost ~2 CPU-s more.
    out = subprocess.run([sys.executable, "-c", EACH_COMMAND, json.dumps(commands)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and not out.stderr, out
    for command, (code, err) in zip(commands, json.loads(out.stdout), strict=True):
        assert code in (1, 2), (command, err)
        assert "threads must be a whole number from 1 to 1,024" in err, (command, err)
        assert "Traceback" not in err


# Runs each command line through the CLI's main in turn, as `python -m rnnplay` does, and prints
# each one's exit code and what it wrote to stderr.
EACH_COMMAND = """
import contextlib, io, json, sys
from rnnplay.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    results.append([code, err.getvalue()])
print(json.dumps(results))
"""


def _at_most_8_gb() -> None:
    # Should the check ever let the run through, it fails to allocate instead of swapping.
    resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))


def test_a_run_too_big_for_memory_is_refused_before_building(jaychou) -> None:
    from engine.models.memory_estimate import available_bytes

    if (available_bytes(torch.device("cpu")) or 0) > 300e9:
        pytest.skip("this machine has room for 16 x 8192 lstm units")
    out = subprocess.run(
        [sys.executable, "-m", "rnnplay", "train", "--model", "lstm", "--layers", "16",
         "--hidden", "8192", "--device", "cpu"],
        capture_output=True, text=True, timeout=120, preexec_fn=_at_most_8_gb,
    )
    assert out.returncode == 2, out.stderr
    assert "lstm with 16 x 8192 hidden units needs about" in out.stderr
    assert "or less would fit" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_text_file_is_prompted_with_the_starts_of_its_lines(
    tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The rule the app's core uses too (engine.config.default_prefixes); it used to be 分开.
    code, out, err = _main(capsys, "train", "--corpus", str(tiny_corpus), "--hidden", "8",
                           "--batch-size", "4", "--num-steps", "5", "--epochs", "1",
                           "--pred-period", "1", "--pred-len", "4", "--jsonl", "-")
    assert code == 0, err
    prompts = [json.loads(line)["prefix"] for line in out.splitlines()
               if json.loads(line)["type"] == "prediction"]
    assert prompts == ["the ", "pack ", "how "]
