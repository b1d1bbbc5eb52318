"""`rnnplay sweep` on real Ray Tune, with small work: one two-node Ray cluster on this machine
(ray.cluster_utils.Cluster) serves every test here, since starting Ray is the slow part, and
under pytest-xdist they share one worker (the xdist group), so it starts once.

The sweeps run in this process (the command finds Ray started and uses it), except the one
that is interrupted with SIGINT, which connects to the same cluster with --address; the folder
it leaves is resumed twice, as it is and with Tune's pickled state poisoned."""

from __future__ import annotations

import json
import logging
import math
import pickle
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run_main, start_cli

pytestmark = pytest.mark.xdist_group("ray")

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from engine.session import load_session, restore_trainer  # noqa: E402
from engine.sweep.summary import read_summary  # noqa: E402

TEXT = ("the quick brown fox jumps over the lazy dog.\npack my box with five dozen liquor jugs!\n"
        "how vexingly quick daft zebras jump; ") * 4
TINY = ("--max-chars", "0", "--hidden", "8", "--batch-size", "4", "--num-steps", "8",
        "--val-chars", "200", "--pred-period", "0", "--device", "cpu")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Two Ray nodes of two logical CPUs each, this process connected as the driver."""
    with pytest.MonkeyPatch.context() as env:  # read by every Ray process the nodes start
        # Ray starts its workers (the trials) at nice 15: beside pytest's other workers they
        # got a sliver of the cores, and this group, the suite's longest, waited minutes.
        env.setenv("RAY_worker_niceness", "0")
        # Nor do the nodes start a worker per CPU up front (at their start, and for the first
        # driver), only to stop them idle seconds later: the trials start their own.
        env.setenv("RAY_enable_worker_prestart", "0")
        env.setenv("RAY_prestart_worker_first_driver", "0")
        nodes = Cluster(initialize_head=True,
                        head_node_args={"num_cpus": 2, "include_dashboard": False})
        nodes.add_node(num_cpus=2)
    ray.init(address=nodes.address, logging_level=logging.WARNING, log_to_driver=False,
             include_dashboard=False)
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "text.txt"
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
                                 "--lr", "1,10", "--nonlinearity", "tanh,relu", "--epochs", "2",
                                 "--cpus-per-trial", "2", "--out", str(out))
    assert code == 0, err
    rows = read_summary(out)
    assert len(rows) == 4 and all(r.ended == "finished" and r.epochs == 2 for r in rows)
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
    assert stdout.count(" finished at epoch 2/2") == 4
    table = stdout.splitlines()[-6:-1]
    assert table[0].split() == ["#", "trial", "val", "ppl", "epochs", "ended", "nonlinearity",
                                "lr"]
    assert table[1].split()[1] == rows[0].name
    # The same settings and seed run alone by `rnnplay train`: the same perplexity every epoch.
    best = rows[0]
    alone = tmp_path / "alone.rnnplay"
    code, _, err = run_main(capsys, "train", "--corpus", str(text_file), *TINY, "--epochs", "2",
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
                                 "--lr", "10,1000,100000", "--epochs", "3", "--scheduler", "asha",
                                 "--grace-period", "1", "--reduction-factor", "2",
                                 "--max-concurrent", "1", "--out", str(out))
    assert code == 0, err
    rows = {r.settings["lr"]: r for r in read_summary(out)}
    assert rows[10.0].ended == "finished" and rows[10.0].epochs == 3
    assert rows[1000.0].ended == "stopped early" and rows[1000.0].epochs < 3
    assert rows[100000.0].ended == "diverged" and rows[100000.0].epochs == 0
    assert [r.settings["lr"] for r in read_summary(out)] == [10.0, 1000.0, 100000.0]
    # Each stopped trial keeps a loadable session file at the epoch it reached.
    assert restore_trainer(load_session(out / rows[1000.0].file)).epoch == rows[1000.0].epochs
    # The diverged trial's file says so: the app loads it diverged, train --resume refuses it.
    assert "diverged" in load_session(out / rows[100000.0].file).diverged
    assert not load_session(out / rows[1000.0].file).diverged
    assert "stopped early" in stdout and "diverged" in stdout


RESUMED_EPOCHS = 8
SIGINT_ARGS = ("--lr", "1,3,10", "--epochs", str(RESUMED_EPOCHS), "--max-concurrent", "1")


@pytest.fixture(scope="module")
def interrupted(cluster: Cluster, text_file: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, tuple[str, ...]]:
    """A sweep of three trials, one at a time, stopped by SIGINT as its second trial trains
    (after that trial's second epoch, so it has a session file to carry on from); the folder
    and the command that made it. Each test resumes a copy."""
    out = tmp_path_factory.mktemp("interrupted") / "sweep"
    args = ("sweep", "--corpus", str(text_file), *TINY, *SIGINT_ARGS, "--out", str(out))
    process = start_cli(*args, "--address", cluster.address)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:  # the first trial's end, then Ctrl-C as the next one trains
        lines.append(line)
        if "trial-01 started" in line:
            # Until the sweep has taken in trial-01's first epoch: its checkpoint is on disk
            # before the sweep handles that report, and is replaced (one is kept) only once the
            # sweep has handled the next. A SIGINT between the two left a summary without it.
            trial = out / "tune" / "trial-01"
            deadline = time.monotonic() + 120
            while not (list(trial.glob("checkpoint_*"))
                       and not (trial / "checkpoint_000000").exists()):
                assert time.monotonic() < deadline, "trial-01 saved no second epoch"
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
            break
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + stdout + stderr
    assert "Ctrl-C: stopping" in stderr
    assert f"carry on with: rnnplay sweep --resume {out}" in stderr
    return out, args


def resume_copy(interrupted: tuple[Path, tuple[str, ...]], to: Path) -> tuple[Path, list[str]]:
    """A copy of the interrupted sweep folder (it resumes inside itself: sweep.json names no
    path) and the command that made it, pointed at the copy."""
    out, args = interrupted
    shutil.copytree(out, to)
    return to, [to.as_posix() if a == str(out) else a for a in args]


@pytest.mark.long(40)  # with the rest of the Ray group
def test_sigint_mid_sweep_then_resume_runs_only_what_was_left(
    interrupted: tuple[Path, tuple[str, ...]], capsys: pytest.CaptureFixture[str],
    text_file: Path, tmp_path: Path
) -> None:
    out, args = resume_copy(interrupted, tmp_path / "resumed")
    before = {r.name: r for r in read_summary(out)}
    # trial-02 never started: one at a time, Tune makes a trial when it can run it.
    assert before["trial-00"].ended == "finished" and before["trial-01"].ended == "interrupted"
    assert 1 <= before["trial-01"].epochs < RESUMED_EPOCHS
    assert "trial-02" not in before
    for path in out.glob("*.rnnplay"):
        load_session(path)  # whole and checksummed, or this raises
    finished = (out / "trial-00.rnnplay").read_bytes()

    # The same command with --resume: the sweep's own settings, said in a note.
    code, stdout, err = run_main(capsys, *args, "--resume", str(out))
    assert code == 0, err
    assert "note: --corpus, --max-chars, --hidden" in err and "keeps its settings" in err
    rows = read_summary(out)
    assert len(rows) == 3 and all(r.ended == "finished" and r.epochs == RESUMED_EPOCHS
                                  for r in rows)
    assert "trial-00 started" not in stdout
    assert "trial-01 started" in stdout and "trial-02 started" in stdout
    assert (out / "trial-00.rnnplay").read_bytes() == finished  # not run again
    for row in rows:  # each best from all its epochs, those before the interruption too
        history = restore_trainer(load_session(out / row.file)).history
        assert len(history) == RESUMED_EPOCHS
        assert row.best_val_perplexity == pytest.approx(min(e.val_perplexity for e in history))
    # The trial cut short went on from its session file: every epoch as if never stopped.
    alone = tmp_path / "alone.rnnplay"
    code, _, err = run_main(capsys, "train", "--corpus", str(text_file), *TINY, "--epochs",
                            str(RESUMED_EPOCHS), "--lr", "3", "--threads", "1", "--save",
                            str(alone))
    assert code == 0, err
    assert histories(alone) == histories(out / "trial-01.rnnplay")


class MarkerOnUnpickle:
    """Unpickling this creates `path`: what a copied sweep folder could make Tune's restore
    run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.path), "w")


def test_resume_never_unpickles_tunes_state_from_the_folder(
    interrupted: tuple[Path, tuple[str, ...]], capsys: pytest.CaptureFixture[str],
    tmp_path: Path
) -> None:
    out, args = resume_copy(interrupted, tmp_path / "copied")
    marker = tmp_path / "pwned"
    evil = pickle.dumps(MarkerOnUnpickle(marker))
    poisoned = [p for p in (out / "tune").rglob("*") if p.is_file() and p.suffix != ".rnnplay"]
    assert any(p.suffix == ".pkl" for p in poisoned)  # Tune's pickles are there to poison
    for path in poisoned:
        path.write_bytes(evil)
    pickle.loads(evil)  # the poison works: unpickling it makes the marker
    assert marker.exists()
    marker.unlink()

    code, _, err = run_main(capsys, *args, "--resume", str(out))
    assert code == 0, err
    assert not marker.exists()
    rows = read_summary(out)
    assert len(rows) == 3 and all(r.ended == "finished" for r in rows)


def test_a_resumed_asha_sweep_says_the_results_from_before_do_not_count(
    interrupted: tuple[Path, tuple[str, ...]], capsys: pytest.CaptureFixture[str],
    tmp_path: Path
) -> None:
    # The interrupted sweep, its sweep.json edited by hand to ASHA (a valid edit): Tune cannot
    # be given the finished trial's rungs, and the command says so before the new trials run.
    out, args = resume_copy(interrupted, tmp_path / "asha")
    plan = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    plan["schedule"].update(scheduler="asha", grace_period=1, reduction_factor=2)
    (out / "sweep.json").write_text(json.dumps(plan), encoding="utf-8")

    code, stdout, err = run_main(capsys, "sweep", "--resume", str(out))
    assert code == 0, err
    assert ("rnnplay sweep: note: ASHA starts afresh: what came before the interruption (1 trial "
            "kept and the epochs the 1 carried on trained before it) does not count") in err
    assert "(asha scheduler)" in stdout and "trial-01 started" in stdout
    assert {r.name for r in read_summary(out)} == {"trial-00", "trial-01", "trial-02"}


@pytest.mark.parametrize(("flag", "value", "asked"), [
    ("--cpus-per-trial", "3", "--cpus-per-trial 3, --gpus-per-trial 0"),
    ("--gpus-per-trial", "1", "--cpus-per-trial 1, --gpus-per-trial 1"),
])
def test_a_trial_no_node_can_hold_is_one_line_not_a_sweep_pending_for_good(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path,
    flag: str, value: str, asked: str
) -> None:
    out = tmp_path / "too-big"
    code, stdout, err = run_main(capsys, "sweep", "--corpus", str(text_file), *TINY,
                                 "--lr", "1,3", "--epochs", "1", flag, value, "--out", str(out))
    assert code == 2 and stdout == ""
    assert err.strip() == (f"rnnplay sweep: no node of the Ray cluster holds one trial ({asked}); "
                           "the largest has 2 CPUs and 0 GPUs: every trial would wait for good")
    assert not out.exists()
    assert ray.is_initialized()  # the caller's Ray, left as it was


def test_a_sweep_where_no_trial_finishes_an_epoch_exits_non_zero(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "diverged"
    code, _, err = run_main(capsys, "sweep", "--corpus", str(text_file), *TINY,
                            "--lr", "100000,200000", "--epochs", "2", "--out", str(out))
    assert code == 1, err
    assert ("rnnplay sweep: no trial finished an epoch (2 diverged): nothing to rank; see "
            f"{out / 'summary.csv'}") in err
    assert [r.ended for r in read_summary(out)] == ["diverged", "diverged"]
