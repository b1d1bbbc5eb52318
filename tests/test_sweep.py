"""`rnnplay sweep` on real Ray Tune, with small work: one two-node Ray cluster on this machine
(ray.cluster_utils.Cluster) serves every test here, since starting Ray is the slow part.

The sweeps run in this process (the command finds Ray started and uses it), except the one
that is interrupted with SIGINT, which connects to the same cluster with --address."""

from __future__ import annotations

import logging
import math
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run_main, start_cli

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from engine.session import load_session, restore_trainer  # noqa: E402
from engine.sweep.summary import read_summary  # noqa: E402

TEXT = ("the quick brown fox jumps over the lazy dog.\npack my box with five dozen liquor jugs!\n"
        "how vexingly quick daft zebras jump; ") * 12
TINY = ("--max-chars", "0", "--hidden", "8", "--batch-size", "4", "--num-steps", "8",
        "--val-chars", "200", "--pred-period", "0", "--device", "cpu")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Two Ray nodes of two logical CPUs each, this process connected as the driver."""
    nodes = Cluster(initialize_head=True,
                    head_node_args={"num_cpus": 2, "include_dashboard": False})
    nodes.add_node(num_cpus=2)
    ray.init(address=nodes.address, logging_level=logging.WARNING, log_to_driver=False)
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def histories(path: Path) -> tuple[list[float], list[float | None]]:
    trainer = restore_trainer(load_session(path))
    return ([e.perplexity for e in trainer.history],
            [e.val_perplexity for e in trainer.history])


def test_four_trials_on_two_nodes_finish_ranked_with_the_trainer_of_rnnplay_train(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    code, stdout, err = run_main(capsys, "sweep", "--corpus", str(text_file), *TINY,
                                 "--lr", "1,10", "--nonlinearity", "tanh,relu", "--epochs", "3",
                                 "--cpus-per-trial", "2", "--out", str(out))
    assert code == 0, err
    rows = read_summary(out)
    assert len(rows) == 4 and all(r.ended == "finished" and r.epochs == 3 for r in rows)
    ppls = [r.best_val_perplexity for r in rows]
    assert ppls == sorted(ppls) and all(math.isfinite(p) for p in ppls)
    assert {(r.settings["lr"], r.settings["nonlinearity"]) for r in rows} == {
        (1.0, "tanh"), (1.0, "relu"), (10.0, "tanh"), (10.0, "relu")}
    # Two CPUs a trial: one trial fits a node at a time, so both nodes train (two trial
    # processes, each reused), and every session file came back into --out.
    assert len({r.node for r in rows}) == 2
    for row in rows:
        assert (out / row.file).is_file()
        assert min(v for v in histories(out / row.file)[1] if v is not None) == pytest.approx(
            row.best_val_perplexity)
    assert stdout.count(" finished at epoch 3/3") == 4
    table = stdout.splitlines()[-6:-1]
    assert table[0].split() == ["#", "trial", "val", "ppl", "epochs", "ended", "nonlinearity",
                                "lr"]
    assert table[1].split()[1] == rows[0].name
    # The same settings and seed run alone by `rnnplay train`: the same perplexity every epoch.
    best = rows[0]
    alone = tmp_path / "alone.rnnplay"
    code, _, err = run_main(capsys, "train", "--corpus", str(text_file), *TINY, "--epochs", "3",
                            "--lr", str(best.settings["lr"]), "--nonlinearity",
                            best.settings["nonlinearity"], "--threads", "2", "--save", str(alone))
    assert code == 0, err
    assert histories(alone) == histories(out / best.file)


def test_asha_stops_a_blown_up_lr_early_and_a_diverging_one_is_reported(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    # One at a time, in the grid's order: lr 10 sets each rung's bar first. lr 1000 blows the
    # held-out perplexity up past a million without tripping the divergence guard; lr 1e5 trips
    # it on its first batch.
    out = tmp_path / "asha"
    code, stdout, err = run_main(capsys, "sweep", "--corpus", str(text_file), *TINY,
                                 "--lr", "10,1000,100000", "--epochs", "4", "--scheduler", "asha",
                                 "--grace-period", "1", "--reduction-factor", "2",
                                 "--max-concurrent", "1", "--out", str(out))
    assert code == 0, err
    rows = {r.settings["lr"]: r for r in read_summary(out)}
    assert rows[10.0].ended == "finished" and rows[10.0].epochs == 4
    assert rows[1000.0].ended == "stopped early" and rows[1000.0].epochs < 4
    assert rows[100000.0].ended == "diverged" and rows[100000.0].epochs == 0
    assert [r.settings["lr"] for r in read_summary(out)] == [10.0, 1000.0, 100000.0]
    # Each stopped trial keeps a loadable session file at the epoch it reached.
    assert restore_trainer(load_session(out / rows[1000.0].file)).epoch == rows[1000.0].epochs
    assert "stopped early" in stdout and "diverged" in stdout


def test_sigint_mid_sweep_then_resume_runs_only_what_was_left(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    args = ("sweep", "--corpus", str(text_file), *TINY, "--lr", "1,3,10", "--epochs", "12",
            "--max-concurrent", "1", "--out", str(out))
    process = start_cli(*args, "--address", cluster.address)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:  # the first trial's end, then Ctrl-C as the next one trains
        lines.append(line)
        if "trial-01 started" in line:
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
            break
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + stdout + stderr
    assert "Ctrl-C: stopping" in stderr
    assert f"carry on with: rnnplay sweep --resume {out}" in stderr
    before = {r.name: r for r in read_summary(out)}
    # trial-02 never started: one at a time, Tune makes a trial when it can run it.
    assert before["trial-00"].ended == "finished" and before["trial-01"].ended == "interrupted"
    assert "trial-02" not in before
    for path in out.glob("*.rnnplay"):
        load_session(path)  # whole and checksummed, or this raises
    finished = (out / "trial-00.rnnplay").read_bytes()

    # The same command with --resume: the sweep's own settings, said in a note.
    code, stdout, err = run_main(capsys, *args, "--resume", str(out))
    assert code == 0, err
    assert "note: --corpus, --max-chars, --hidden" in err and "keeps its settings" in err
    rows = read_summary(out)
    assert len(rows) == 3 and all(r.ended == "finished" and r.epochs == 12 for r in rows)
    assert "trial-00 started" not in stdout and "trial-02 started" in stdout
    assert (out / "trial-00.rnnplay").read_bytes() == finished  # not run again
    for row in rows:  # each best from all its epochs, those before the interruption too
        history = restore_trainer(load_session(out / row.file)).history
        assert len(history) == 12
        assert row.best_val_perplexity == pytest.approx(min(e.val_perplexity for e in history))
