"""`rnnplay inspect --step`: the model view's breakdown as text, the engine's numbers for the
saved model (engine/inspect/step.py, itself tested against the book's equations)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_main, small_session

from engine.inspect.step import model_steps
from engine.session import load_session

pytestmark = pytest.mark.usefixtures("one_torch_thread")

@pytest.fixture(scope="module", params=[("scratch", 1), ("lstm", 2)], ids=["scratch", "lstm2"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_session(tmp_path_factory.mktemp("step"), *request.param)


def test_the_step_is_the_engines_breakdown_for_the_saved_model(saved: Path, capsys) -> None:
    code, out, err = run_main(capsys, "inspect", str(saved), "a fox", "--step", "4")
    assert (code, err) == (0, "")
    session = load_session(saved)
    model, vocab = session.build_model("cpu"), session.vocab
    steps = model_steps(model, vocab, "a fox")
    step = steps.steps[3]
    lines = out.splitlines()
    assert f"# step 4 of 5: 'o' = index {vocab.char_to_idx['o']} of {len(vocab)}" in out
    assert f"{steps.shape.total} parameters" in lines[0]
    rows = {(r[0], r[1]): r for r in (line.split("\t") for line in lines) if len(r) == 4}
    for number, layer in enumerate(step.layers, start=1):
        term = "X_t W_xh" if number == 1 else "H_t(below) W_xh"
        for name, vector in [(term, layer.input), ("H_(t-1) W_hh", layer.recurrent),
                             ("H_t", layer.hidden), *layer.gates]:  # fmt: skip
            row = rows[(str(number), name)]
            assert float(row[2]) == pytest.approx(vector.norm, rel=1e-5)
            assert [float(x) for x in row[3].split()] == pytest.approx(vector.first, rel=1e-3)
    table = lines.index("next\tlogit\tprob")
    ch, logit, p = lines[table + 1].split("\t")
    assert (ch, float(p)) == (step.top[0][0], pytest.approx(step.top[0][2], rel=1e-5))
    assert f"the text's next character 'x': p {step.actual[1]:.6g}" in out
    assert f"this text {steps.perplexity:.6g}; uniform {len(vocab)}" in out
    assert "worst +inf" in out


def test_the_last_character_by_default_and_bad_steps_in_one_line(saved: Path, capsys) -> None:
    code, out, err = run_main(capsys, "inspect", str(saved), "a fox", "--step")
    assert code == 0 and "# step 5 of 5: 'x'" in out
    for args, words in [
        (["--step", "6"], "--step must be 1 to 5 (TEXT's characters), not 6"),
        (["--step", "0"], "--step must be 1 to 5"),
        (["--step", "2", "--odds", "3"], "--step prints one time step, not the units table or "
                                          "the odds: drop --odds"),
    ]:
        code, out, err = run_main(capsys, "inspect", str(saved), "a fox", *args)
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, (args, err)
