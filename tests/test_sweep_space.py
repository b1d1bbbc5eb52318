"""`rnnplay sweep` before Ray starts: what a sweep tries (lists in the app's grid syntax,
distributions), the one-line refusals, the missing extra, and the summary and results table.
No Ray is started here (tests/test_sweep.py runs the sweeps)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO_ROOT, run_main

from engine.config import ConfigError
from engine.sweep.folder import trial_paths, write_plan
from engine.sweep.space import MAX_TRIALS, build_space
from engine.sweep.summary import FINISHED, STOPPED_EARLY, TrialRow, read_summary, write_summary
from engine.sweep.table import results_table

TEXT = ("the quick brown fox jumps over the lazy dog.\npack my box with five dozen liquor jugs!\n"
        "how vexingly quick daft zebras jump; ") * 12


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def sweep(capsys: pytest.CaptureFixture[str], text_file: Path, out: Path, *args: str
          ) -> tuple[int, str, str]:
    return run_main(capsys, "sweep", "--corpus", str(text_file), "--max-chars", "0",
                    "--hidden", "8", "--out", str(out), *args)


def test_lists_and_distributions_are_read_by_each_settings_declaration() -> None:
    space = build_space({"lr": "0.3,1,3,10", "hidden": "128,256", "sampling": "random,consecutive",
                         "clip": "log:0.1..10", "seed": "7"}, {"corpus": "jaychou"}, samples=3)
    assert space.lists == {"lr": (0.3, 1.0, 3.0, 10.0), "hidden": (128, 256),
                           "sampling": ("random", "consecutive")}
    assert space.fixed == {"seed": 7}
    assert space.drawn["clip"].kind == "log" and space.drawn["clip"].low == 0.1
    assert space.trials == 4 * 2 * 2 * 3
    assert space.varied == ("sampling", "hidden", "lr", "clip")
    assert space.label({"sampling": "random", "hidden": 128, "lr": 3.0, "clip": 0.5}) == (
        "sampling random, hidden 128, lr 3, clip 0.5")
    # A drawn number is shown to 4 digits (the summary files keep it whole).
    assert space.label({"sampling": "consecutive", "hidden": 256, "lr": 10.0,
                        "clip": 3.330371204947754}) == (
        "sampling consecutive, hidden 256, lr 10, clip 3.33")


@pytest.mark.parametrize(("args", "words"), [
    (("--lr", ""), "--lr is empty"),
    (("--lr", "1,,3"), "empty value"),
    (("--epochs", "5,10"), "--epochs cannot vary within a sweep"),
    (("--val-chars", "100,200"), "--val-chars cannot vary"),
    (("--corpus", "jaychou,timemachine"), "--corpus cannot vary"),
    (("--seed", ",".join(map(str, range(40))), "--lr", ",".join(map(str, range(1, 30)))),
     f"the sweep makes 1,160 trials, more than {MAX_TRIALS:,}"),
    (("--lr", "log:10..1"), "low end below its high end"),
    (("--sampling", "log:1..2"), "is not a number"),
    (("--lr", "2", "--samples", "4"), "--samples draws distributions"),
    (("--hidden", "0,8"), "hidden must be a whole number from 1"),
])
def test_bad_input_is_one_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path, args: tuple[str, ...],
    words: str,
) -> None:
    out = tmp_path / "out"
    code, stdout, err = sweep(capsys, text_file, out, *args)
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnnplay sweep: "), err
    assert words in err
    assert not out.exists()


def test_an_out_that_is_a_file_or_holds_a_sweep_is_refused(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    code, _, err = sweep(capsys, text_file, text_file, "--lr", "1,2")
    assert code == 2 and err.strip() == (
        f"rnnplay sweep: --out {text_file} is a file: give a folder for the sweep (new or empty)")
    assert text_file.read_text(encoding="utf-8") == TEXT
    taken = tmp_path / "taken"
    write_plan(taken, {"texts": {}})
    code, _, err = sweep(capsys, text_file, taken, "--lr", "1,2")
    assert code == 2 and "already holds a sweep: carry it on with --resume" in err


def test_an_unreachable_address_is_one_line_quickly(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    code, _, err = sweep(capsys, text_file, out, "--lr", "1,2", "--address", f"127.0.0.1:{port}")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"cannot reach a Ray cluster at 127.0.0.1:{port}" in err and "ray start --head" in err
    assert not out.exists()


def test_without_ray_the_sweep_says_how_to_install_it(text_file: Path, tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import ray` fail as if Ray were not installed.
    code = ("import sys; sys.modules['ray'] = None; from rnnplay.cli import main; "
            f"sys.exit(main(['sweep', '--corpus', {str(text_file)!r}, '--lr', '1,2', "
            f"'--out', {str(tmp_path / 'out')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == ("rnnplay sweep: Ray Tune is not installed (ray is missing): "
                                   "pip install -e '.[sweep]' (or pip install 'ray[tune]')")


def test_the_summary_is_best_first_in_csv_and_json_lines_and_the_table(tmp_path: Path) -> None:
    rows = [
        TrialRow("trial-00", "lr 1", {"lr": 1.0}, 20.5, 4, FINISHED, file="trial-00.rnnplay"),
        TrialRow("trial-01", "lr 1000", {"lr": 1000.0}, None, 1, STOPPED_EARLY),
        TrialRow("trial-02", "lr 10", {"lr": 10.0}, 9.25, 4, FINISHED, file="trial-02.rnnplay"),
    ]
    ranked = write_summary(tmp_path, rows)
    assert [r.name for r in ranked] == ["trial-02", "trial-00", "trial-01"]
    assert read_summary(tmp_path) == ranked
    lines = (tmp_path / "summary.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["best_val_perplexity"] == 9.25
    csv_lines = (tmp_path / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("rank,trial,best_val_perplexity,epochs_run,ended,lr")
    assert csv_lines[1].startswith("1,trial-02,9.25,4,finished,10.0")
    assert results_table(ranked, ("lr",)) == [
        "#  trial     val ppl  epochs  ended          lr",
        "1  trial-02     9.25       4  finished       10",
        "2  trial-00    20.50       4  finished       1",
        "3  trial-01        -       1  stopped early  1000",
    ]
    # The app opens the trials in the summary's order; a file the summary does not name
    # (an interrupted sweep's) follows, and nothing outside the folder is ever named.
    for name in ("trial-00", "trial-02", "trial-05"):
        (tmp_path / f"{name}.rnnplay").write_bytes(b"x")
    assert [p.name for p in trial_paths(tmp_path)] == [
        "trial-02.rnnplay", "trial-00.rnnplay", "trial-05.rnnplay"]


def test_build_space_refuses_a_sweep_without_held_out_text() -> None:
    with pytest.raises(ConfigError, match="ranks trials on held-out perplexity"):
        build_space({"lr": "1,2", "val_chars": "0"}, {})


def test_without_an_address_a_new_local_ray_is_started_never_a_stale_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ray's default (address None) joins the cluster last started on this machine, even a dead
    # one, where ray.init waits for good; only Ray's own start is replaced here.
    from engine.sweep import tuning

    asked: dict[str, object] = {}
    monkeypatch.setattr(tuning.ray, "is_initialized", lambda: False)
    monkeypatch.setattr(tuning.ray, "init", lambda **kwargs: asked.update(kwargs))
    assert tuning.start_ray(None) is True
    assert asked["address"] == "local"
