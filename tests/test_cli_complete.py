"""`rnnplay complete` with its decoding flags and --probs, on a small saved session."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, run_main, small_trainer

from engine.config import SEED_MAX
from engine.data.corpus import load_corpus
from engine.generation.decoding import Decoding
from engine.generation.generate import Completer
from engine.session import load_session, save_session
from rnnplay.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the quick brown fox jumps over the lazy dog.\npack my box with five dozen jugs!\n" * 4


@pytest.fixture(scope="module")
def session_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained model (the book's small init: near-uniform odds, so a draw at T 1 is far
    from the argmax) on a text whose vocabulary holds a newline and a space."""
    folder = tmp_path_factory.mktemp("complete")
    corpus = folder / "tiny.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    trainer = small_trainer(load_corpus(str(corpus), max_chars=0), model="gru", num_steps=5,
                            epochs=1, pred_period=0)
    return save_session(folder / "s.rnnplay", trainer, prompt="the ")


def completer(path: Path, prefix: str) -> Completer:
    session = load_session(path)
    c = Completer(session.build_model("cpu"), session.vocab)
    c.set_text(prefix)
    return c


def test_no_flag_and_temperature_zero_are_todays_greedy(session_path: Path, capsys) -> None:
    greedy = completer(session_path, "the q").complete(30)
    want = (0, "the q" + greedy + "\n", "")
    args = ("complete", str(session_path), "the q", "--chars", "30")
    assert run_main(capsys, *args) == want
    assert run_main(capsys, *args, "--temperature", "0") == want
    assert run_main(capsys, *args, "--temperature", "3", "--top-k", "1") == want


def test_a_seeded_sample_is_the_same_on_every_call(session_path: Path, capsys) -> None:
    args = (str(session_path), "the q", "--temperature", "1", "--top-k", "10", "--seed", "5")
    code, first, err = run_main(capsys, "complete", *args)
    assert code == 0 and err == ""
    assert run_main(capsys, "complete", *args)[1] == first
    c = completer(session_path, "the q")
    assert first == "the q" + c.complete(50, Decoding(1.0, 10, 5)) + "\n"
    assert first != "the q" + c.complete(50) + "\n"


def test_samples_are_seeded_one_after_another(session_path: Path, capsys) -> None:
    code, out, _ = run_main(capsys, "complete", str(session_path), "fox", "--temperature", "1.5",
                            "--seed", "9", "--samples", "3", "--chars", "20", "--completion-only")
    c = completer(session_path, "fox")
    want = [c.complete(20, Decoding(1.5, 0, 9 + i)) for i in range(3)]
    # A line between samples, which may hold newlines of their own, says where each begins.
    between = ["", "--- sample 2 of 3 (seed 10)\n", "--- sample 3 of 3 (seed 11)\n"]
    assert code == 0 and out == "".join(b + w + "\n" for b, w in zip(between, want, strict=True))
    assert len(set(want)) == 3
    # Unseeded: a new seed each sample and each call.
    unseeded = ("complete", str(session_path), "fox", "--temperature", "1", "--samples", "2")
    _, a, _ = run_main(capsys, *unseeded)
    _, b, _ = run_main(capsys, *unseeded)
    assert len({*a.split("--- sample 2 of 2\n"), *b.split("--- sample 2 of 2\n")}) == 4


def test_probs_lists_the_likeliest_next_characters(session_path: Path, capsys) -> None:
    odds = completer(session_path, "the ").next_char_probs(100)
    code, out, err = run_main(capsys, "complete", str(session_path), "the ", "--probs", "4")
    assert (code, err) == (0, "")
    assert out == "".join(f"{ch}\t{p:.6g}\n" for ch, p in odds[:4])
    # All of a small vocabulary: one line each, control characters escaped, odds summing to 1.
    # No prompt: the saved one.
    code, out, _ = run_main(capsys, "complete", str(session_path), "--probs", "1000")
    lines = out.splitlines()
    vocab = load_session(session_path).vocab
    assert code == 0 and len(lines) == len(vocab)
    chars = [line.rsplit("\t", 1)[0] for line in lines]
    assert "\\n" in chars and " " in chars and "\n" not in "".join(chars)
    probs = [float(line.rsplit("\t", 1)[1]) for line in lines]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--temperature", "-1"), "temperature"),
        (("--temperature", "nan"), "temperature"),
        (("--temperature", "inf"), "temperature"),
        (("--temperature", "101"), "temperature"),
        (("--temperature", "1", "--top-k", "-2"), "top-k"),
        (("--temperature", "1", "--top-k", "32"), "vocabulary"),
        (("--temperature", "1", "--seed", str(SEED_MAX + 1)), "seed"),
        (("--temperature", "1", "--seed", str(SEED_MAX), "--samples", "2"), "--seed"),
        (("--samples", "0"), "--samples"),
        (("--samples", "1001"), "--samples"),
        (("--chars", "-1"), "--chars"),
        (("--chars", "10001"), "--chars"),
        (("--probs", "0"), "--probs"),
        (("--probs", "3", "--temperature", "1", "--chars", "4"), "drop --chars, --temperature"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(
    session_path: Path, capsys, argv: tuple[str, ...], needle: str
) -> None:
    code, out, err = run_main(capsys, "complete", str(session_path), "the ", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and needle in err and err.startswith("rnnplay complete: "), err


def test_the_command_line_in_a_process(session_path: Path) -> None:
    # One process (its exit code and output as a shell gets them, a prompt of characters beyond
    # ASCII in its arguments and its output: the only `complete` in a process, for
    # test_session_restore's book-sized one too); a bad value's exit code 2 is main's, checked
    # in this process below (test_values_that_are_not_numbers_are_usage_errors).
    prefix = "分开 the "
    seeded = run_cli("complete", str(session_path), prefix, "--temperature", "0.8", "--top-k",
                     "5", "--seed", "1")
    c = completer(session_path, prefix)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout == prefix + c.complete(50, Decoding(0.8, 5, 1)) + "\n"
    assert "分" in seeded.stderr  # the characters the model does not know, named


@pytest.mark.parametrize("argv", [("--temperature", "hot"), ("--top-k", "1.5"),
                                  ("--seed", "x"), ("--probs", "all")])
def test_values_that_are_not_numbers_are_usage_errors(
    session_path: Path, capsys, argv: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["complete", str(session_path), "the ", *argv])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and f"argument {argv[0]}: must be a" in err, err
    assert repr(argv[1]) in err


def test_a_warm_up_reads_the_training_text_before_the_prefix(session_path: Path, capsys) -> None:
    """--warmup N: the app's ctrl+y, the training text's first N characters read first."""
    warm = completer(session_path, "")
    warm.warm_up(TEXT[:40])
    warm.set_text("the q")
    args = ("complete", str(session_path), "the q", "--probs", "3")
    code, out, err = run_main(capsys, *args, "--warmup", "40")
    assert code == 0 and err == ""
    assert out == "".join(f"{ch}\t{p:.6g}\n" for ch, p in warm.next_char_probs(3))
    assert out != run_main(capsys, *args)[1]  # from zeros the odds differ
    by_hand = completer(session_path, TEXT[:40] + "the q")  # one text read from zeros
    assert run_main(capsys, "complete", str(session_path), "the q", "--warmup", "40",
                    "--chars", "20")[1] == "the q" + by_hand.complete(20) + "\n"


def test_a_warm_up_without_its_corpus_is_one_line(session_path: Path, tmp_path: Path,
                                                  capsys) -> None:
    moved = tmp_path / "s.rnnplay"
    moved.write_bytes(session_path.read_bytes())
    (session_path.parent / "tiny.txt").rename(tmp_path / "elsewhere.txt")
    try:
        code, out, err = run_main(capsys, "complete", str(moved), "the q", "--warmup", "40")
    finally:
        (tmp_path / "elsewhere.txt").rename(session_path.parent / "tiny.txt")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("rnnplay complete: --warmup reads the training text: ")
