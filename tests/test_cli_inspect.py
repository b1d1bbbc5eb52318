"""`rnnplay inspect` on small saved sessions: the table is the engine's numbers, bad input is
one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, run_main, small_session

from engine.generation.generate import Completer
from engine.inspect.hidden_units import hidden_units
from engine.inspect.inspection import next_char_odds
from engine.inspect.saliency import saliency
from engine.session import load_session
from rnnplay.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

@pytest.fixture(scope="module")
def gru(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_session(tmp_path_factory.mktemp("inspect"), "gru", 1)


@pytest.fixture(scope="module")
def lstm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_session(tmp_path_factory.mktemp("inspect"), "lstm", 2)


def _table(out: str) -> tuple[list[str], list[str], list[list[str]]]:
    """(comment lines, header, rows) of the tab-separated output."""
    lines = out.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    header, *rows = [line.split("\t") for line in lines if not line.startswith("#")]
    return comments, header, rows


def _model(path: Path):
    session = load_session(path)
    return session.build_model("cpu"), session.vocab


def test_the_table_is_the_top_units_activations_per_character(gru: Path, capsys) -> None:
    code, out, err = run_main(capsys, "inspect", str(gru), "a fox\njumps", "--units", "5")
    assert (code, err) == (0, "")
    comments, header, rows = _table(out)
    model, vocab = _model(gru)
    view = hidden_units(model, vocab, "a fox\njumps", heatmap_units=5)
    assert comments == [
        "# gru model, layer 1 of 1, state h (in [-1, 1]); the top 5 of 12 units by variance"
    ]
    assert header == ["pos", "char", *(f"u{u}" for u in view.heatmap.units)]
    assert [row[1] for row in rows] == ["a", " ", "f", "o", "x", "\\n", "j", "u", "m", "p", "s"]
    assert [row[0] for row in rows] == [str(j) for j in range(11)]
    for row, activation in zip(rows, view.activations, strict=True):
        want = [activation[u] for u in view.heatmap.units]
        assert [float(v) for v in row[2:]] == pytest.approx(want, rel=1e-5, abs=1e-6)


def test_layer_state_and_ranking_choose_what_is_shown(lstm: Path, capsys) -> None:
    code, out, _ = run_main(capsys, "inspect", str(lstm), "over the", "--layer", "1", "--state",
                            "c", "--rank", "since-space", "--units", "3")
    assert code == 0
    comments, header, rows = _table(out)
    model, vocab = _model(lstm)
    view = hidden_units(model, vocab, "over the", layer=0, state="c", heatmap_units=3,
                        heatmap_ranking="since space")
    assert comments == [
        "# lstm model, layer 1 of 2, state c (unbounded); the top 3 of 12 units by since space"
    ]
    assert header[2:] == [f"u{u}" for u in view.ranking("since space").units[:3]]
    for row, activation in zip(rows, view.activations, strict=True):
        want = [activation[u] for u in view.heatmap.units]
        assert [float(v) for v in row[2:]] == pytest.approx(want, rel=1e-5, abs=1e-6)
    # With no TEXT, the session's prompt; with no options, the last layer's h.
    code, out, _ = run_main(capsys, "inspect", str(lstm))
    comments, header, rows = _table(out)
    assert code == 0 and [row[1] for row in rows] == ["t", "h", "e", " "]
    assert comments[0].startswith("# lstm model, layer 2 of 2, state h (in [-1, 1]); the top 8")


def test_saliency_column_is_the_gradient_norm_per_character(lstm: Path, capsys) -> None:
    code, out, _ = run_main(capsys, "inspect", str(lstm), "pack my", "--saliency", "--units", "2")
    assert code == 0
    comments, header, rows = _table(out)
    model, vocab = _model(lstm)
    want = saliency(model, vocab, "pack my")
    assert header[:3] == ["pos", "char", "saliency"] and len(header) == 5
    assert comments[1] == (f"# saliency: gradient norm of log p({want.target!r}) = "
                           f"{want.log_prob:.6g}, the likeliest next character, per input "
                           "character")
    assert [float(row[2]) for row in rows] == pytest.approx(want.raw, rel=1e-5)


def test_odds_are_the_likeliest_next_characters_and_their_entropy(gru: Path, capsys) -> None:
    code, out, err = run_main(capsys, "inspect", str(gru), "jugs!", "--odds", "4")
    assert (code, err) == (0, "")
    model, vocab = _model(gru)
    completer = Completer(model, vocab)
    completer.set_text("jugs!")
    odds = next_char_odds(completer, 4)
    shown = {"\n": "\\n"}
    assert out.splitlines() == [
        f"# entropy {odds.entropy:.6g} nats, {odds.effective_choices:.6g} effective choices",
        *(f"{shown.get(ch, ch)}\t{p:.6g}" for ch, p in odds.top),
    ]
    _, everything, _ = run_main(capsys, "inspect", str(gru), "jugs!", "--odds", "1000")
    assert len(everything.splitlines()) == 1 + len(vocab)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("the f€x¥",), "does not know these characters: '€¥'"),
        (("",), "nothing to inspect"),
        (("the", "--units", "0"), "--units must be 1 to 12"),
        (("the", "--units", "13"), "--units must be 1 to 12"),
        (("the", "--layer", "0"), "--layer must be 1 to 1"),
        (("the", "--layer", "2"), "--layer must be 1 to 1"),
        (("the", "--state", "c"), "--state c is an LSTM's cell state"),
        (("the", "--odds", "0"), "--odds must be 1 or more"),
        (("the", "--odds", "3", "--saliency", "--units", "2"), "drop --units, --saliency"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(
    gru: Path, capsys, argv: tuple[str, ...], needle: str
) -> None:
    code, out, err = run_main(capsys, "inspect", str(gru), *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and needle in err and err.startswith("rnnplay inspect: "), err


def test_a_missing_or_corrupt_session_is_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.rnnplay"
    bad.write_bytes(b"not a session at all")
    for path in (tmp_path / "missing.rnnplay", bad):
        code, out, err = run_main(capsys, "inspect", str(path), "the")
        assert (code, out) == (1, "")
        assert err.count("\n") == 1 and err.startswith("rnnplay inspect: cannot load"), err


def test_the_command_line_in_a_process(gru: Path, tmp_path: Path, capsys) -> None:
    ok = run_cli("inspect", str(gru), "the", "--units", "2", "--saliency")
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    assert ok.stdout.splitlines()[2].split("\t")[:3] == ["pos", "char", "saliency"]
    # A value argparse refuses exits 2 from the parser itself (its SystemExit, which
    # `python -m rnnplay` passes on as the exit code: test_cli_refused_before_torch sees it so in
    # a process), here in this one: a second interpreter importing torch cost ~2 CPU-s.
    with pytest.raises(SystemExit) as refused:
        main(["inspect", str(gru), "the", "--units", "x"])
    out, err = capsys.readouterr()
    assert refused.value.code == 2 and out == "", err
    assert "Traceback" not in err and "--units" in err, err
    # A cut-off file is refused by main (its exit code is main's return), here in this process.
    corrupt = tmp_path / "c.rnnplay"
    corrupt.write_bytes(gru.read_bytes()[:200])
    code, out, err = run_main(capsys, "inspect", str(corrupt), "the")
    assert (code, out) == (1, "") and err.count("\n") == 1 and "Traceback" not in err, err
