"""`rnnplay sweep --resume DIR` with a sweep.json edited by hand or cut short: one line naming the
file and what is wrong, exit 2, nothing changed on disk, and Ray never started (the check comes
before it). Also the new sweep's own options a user can get wrong. No Ray is started here
(tests/test_sweep.py runs the sweeps)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_main

from engine.sweep.folder import PLAN_NAME, sweep_info
from engine.sweep.plan import Plan, Resources, Schedule, load_plan
from engine.sweep.summary import FINISHED, TrialRow, write_summary

TEXT = ("the quick brown fox jumps over the lazy dog.\npack my box with five dozen liquor jugs!\n"
        "how vexingly quick daft zebras jump; ") * 12


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def ray_never_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refusal here comes before Ray would start: starting it fails the test."""
    try:
        from engine.sweep import tuning
    except ImportError:  # without Ray installed nothing can start it
        return

    def start_ray(address: str | None) -> bool:
        pytest.fail("the sweep started Ray before refusing")

    monkeypatch.setattr(tuning, "start_ray", start_ray)


def valid(corpus: Path) -> dict[str, Any]:
    """sweep.json as `rnnplay sweep --corpus C --max-chars 0 --lr 1,3 --epochs 2 --out D`
    writes it."""
    return {
        "format": "rnnplay-sweep",
        "texts": {"lr": "1,3", "epochs": "2", "hidden": "8"},
        "corpus": {"corpus": str(corpus), "max_chars": "0"},
        "samples": 1,
        "schedule": {"epochs": 2, "scheduler": "none", "grace_period": 1, "reduction_factor": 3},
        "resources": {"cpus_per_trial": 1.0, "gpus_per_trial": 0.0, "max_concurrent": 0,
                      "address": None},
        "experiment": "",
    }


def sweep_folder(tmp_path: Path, content: str | bytes) -> Path:
    """A sweep folder that holds `content` as its sweep.json, a summary and a trial file."""
    out = tmp_path / "sweep"
    out.mkdir()
    plan = out / PLAN_NAME
    plan.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    write_summary(out, [TrialRow("trial-00", "lr 1", {"lr": 1.0}, 9.5, 2, FINISHED,
                                 file="trial-00.rnnplay")])
    (out / "trial-00.rnnplay").write_bytes(b"a trial's session")
    return out


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(**parts: Any) -> Any:
    """A change to the valid plan: a part (or "schedule.epochs") set, or removed when DROP."""
    def apply(plan: dict[str, Any]) -> dict[str, Any]:
        plan = copy.deepcopy(plan)
        for key, value in parts.items():
            where = plan
            *outer, last = key.split("__")
            for name in outer:
                where = where[name]
            if value is DROP:
                del where[last]
            else:
                where[last] = value
        return plan
    return apply


DROP = object()

# (a sweep.json, words its refusal holds); a callable edits the valid plan, a str is the file.
BAD: list[tuple[Any, str]] = [
    ("", "is not JSON (Expecting value, line 1)"),
    ('{"format": "rnnplay-sweep", "texts": ', "is not JSON"),
    (b"\xff\xfe{}", "is not text (UTF-8)"),
    ("[" * 100_000 + "]" * 100_000, "is not JSON"),
    ("[]", "not written by rnnplay sweep"),
    (" " * 1_000_001 + "{}", "holds 1,000,003 bytes, more than a sweep's plan"),
    ('"rnnplay-sweep"', "not written by rnnplay sweep"),
    (edit(format="other"), "not written by rnnplay sweep"),
    (edit(extra=1), "has unknown keys extra"),
    (edit(schedule=DROP), "lacks schedule"),
    (edit(resources=DROP, samples=DROP), "lacks samples, resources"),
    (edit(schedule=[2, "none"]), "schedule must be an object, not [2, 'none']"),
    (edit(schedule__grace_peroid=1, schedule__grace_period=DROP),
     "schedule lacks grace_period and has unknown keys grace_peroid"),
    (edit(schedule__reduction_factor=DROP), "schedule lacks reduction_factor"),
    (edit(schedule__epochs="2"), "schedule.epochs must be a whole number from 1"),
    (edit(schedule__epochs=True), "schedule.epochs must be a whole number from 1"),
    (edit(schedule__epochs=0, texts__epochs=DROP), "schedule.epochs must be a whole number"),
    (edit(schedule__epochs=10**30, texts__epochs=DROP), "schedule.epochs must be a whole number"),
    (edit(schedule__epochs=5), "schedule.epochs is 5 but texts.epochs is '2'"),
    (edit(schedule__scheduler="hyperband"), "schedule.scheduler must be one of none, asha"),
    (edit(schedule__scheduler=None), "schedule.scheduler must be one of none, asha"),
    (edit(schedule__grace_period=2.5), "schedule.grace_period must be a whole number"),
    (edit(schedule__reduction_factor=1), "schedule.reduction_factor must be a whole number from 2"),
    (edit(schedule__scheduler="asha", schedule__grace_period=3),
     "schedule.grace_period must be at most the epochs (2)"),
    (edit(resources="local"), "resources must be an object"),
    (edit(resources__cpu=1, resources__cpus_per_trial=DROP),
     "resources lacks cpus_per_trial and has unknown keys cpu"),
    (edit(resources__cpus_per_trial="1"), "resources.cpus_per_trial must be a number above 0"),
    (edit(resources__cpus_per_trial=-1), "resources.cpus_per_trial must be a number above 0"),
    (edit(resources__cpus_per_trial=0), "resources.cpus_per_trial must be a number above 0"),
    (edit(resources__cpus_per_trial=1e9), "resources.cpus_per_trial must be a number above 0"),
    (edit(resources__cpus_per_trial=10**400), "resources.cpus_per_trial must be a number above 0"),
    (edit(resources__gpus_per_trial=float("nan")), "resources.gpus_per_trial must be a number"),
    (edit(resources__gpus_per_trial=-0.5), "resources.gpus_per_trial must be a number from 0"),
    (edit(resources__max_concurrent=-1), "resources.max_concurrent must be a whole number"),
    (edit(resources__max_concurrent=1.5), "resources.max_concurrent must be a whole number"),
    (edit(resources__address=6379), "resources.address must be a cluster's HOST:PORT"),
    (edit(resources__address=""), "resources.address must be a cluster's HOST:PORT"),
    (edit(samples="3"), "samples must be a whole number from 1 to 1,024, not '3'"),
    (edit(samples=0), "samples must be a whole number from 1"),
    (edit(samples=10**9), "samples must be a whole number from 1"),
    (edit(texts=["--lr", "1,3"]), "texts must be an object of setting: text"),
    (edit(texts__lrr="1"), "texts has unknown settings lrr"),
    (edit(texts__lr=3), "texts.lr must be text as typed"),
    (edit(texts__lr="fast"), "learning rate must be a number, not 'fast'"),
    (edit(texts__val_chars="100,200"), "--val-chars cannot vary within a sweep"),
    (edit(corpus="jaychou"), "corpus must be an object of setting: text"),
    (edit(corpus__max_chars=0), "corpus.max_chars must be text as typed"),
    (edit(corpus__size="1"), "corpus has unknown settings size"),
    (edit(experiment=5), "experiment must be \"\" or Tune's experiment path"),
    (edit(experiment="tune"), "experiment must be \"\" or Tune's experiment path"),
    (edit(experiment="/"), "experiment must be \"\" or Tune's experiment path"),
]


@pytest.mark.parametrize(("content", "words"), BAD,
                         ids=[f"{i}-{words[:30]}" for i, (_, words) in enumerate(BAD)])
def test_a_bad_sweep_json_is_one_line_naming_the_file_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path, content: Any,
    words: str,
) -> None:
    if callable(content):
        content = json.dumps(content(valid(text_file)))
    out = sweep_folder(tmp_path, content)
    before = files(out)
    code, stdout, err = run_main(capsys, "sweep", "--resume", str(out))
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"rnnplay sweep: {out / PLAN_NAME}") or err.startswith(
        f"rnnplay sweep: cannot read {out / PLAN_NAME}"), err
    assert words in err
    assert files(out) == before


def test_the_valid_plan_loads_whole(text_file: Path, tmp_path: Path) -> None:
    """The cases above are refused for what they change, not for what the valid plan holds."""
    out = sweep_folder(tmp_path, json.dumps(valid(text_file)))
    plan = load_plan(out)
    assert plan == Plan({"lr": "1,3", "epochs": "2", "hidden": "8"},
                        {"corpus": str(text_file), "max_chars": "0"}, 1,
                        Schedule(2, "none", 1, 3), Resources(1.0, 0.0, 0, None), "")
    assert plan.space().lists == {"lr": (1.0, 3.0)}
    # A file that stores 1 for 1.0 (JSON keeps no difference) is the same plan.
    plan_json = edit(resources__cpus_per_trial=1, resources__address="10.0.0.1:6379")(
        valid(text_file))
    (out / PLAN_NAME).write_text(json.dumps(plan_json), encoding="utf-8")
    assert load_plan(out).resources == Resources(1, 0.0, 0, "10.0.0.1:6379")
    assert {**plan_json, "format": None} == {**plan.to_json(), "format": None,
                                             "resources": plan_json["resources"]}


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, " " * 1_000_001 + "{}",
                                     b"\xff{}", "{"])
def test_the_app_lists_a_corrupt_sweep_folder_with_its_problem(
    tmp_path: Path, content: str | bytes
) -> None:
    info = sweep_info(sweep_folder(tmp_path, content))
    assert info is not None and info.problem.startswith("not a finished sweep: ")


@pytest.mark.parametrize("corpus", ["jaychou", ["jaychou"], None])
def test_the_app_lists_a_hand_edited_sweep_folder_without_raising(
    tmp_path: Path, corpus: Any
) -> None:
    out = sweep_folder(tmp_path, json.dumps({"format": "rnnplay-sweep", "corpus": corpus}))
    info = sweep_info(out)
    assert info is not None and info.corpus == "jaychou"


@pytest.mark.parametrize(("args", "words"), [
    (("--samples", "0"), "--samples must be from 1 to 1024, not 0"),
    (("--epochs", "0"), "--epochs must be a whole number from 1"),
    (("--grace-period", "0"), "--grace-period must be a whole number from 1"),
    (("--reduction-factor", "-2"), "--reduction-factor must be a whole number from 2"),
    (("--cpus-per-trial", "nan"), "--cpus-per-trial must be a number above 0"),
    (("--cpus-per-trial", "-1"), "--cpus-per-trial must be a number above 0"),
    (("--gpus-per-trial", "inf"), "--gpus-per-trial must be a number from 0"),
    (("--max-concurrent", "-1"), "--max-concurrent must be a whole number from 0"),
    (("--address", ""), "--address must be a cluster's HOST:PORT or left out"),
    (("--scheduler", "asha", "--grace-period", "9", "--epochs", "3"),
     "--grace-period must be at most the epochs (3)"),
    (("--model", "scratch,gru", "--nonlinearity", "relu"),
     "cannot run: nonlinearity relu is for scratch and rnn"),
    (("--model", "scratch", "--layers", "1,2"), "cannot run: the scratch model has one layer"),
    (("--detach", "no", "--sampling", "random,consecutive"),
     "the trial sampling random, lr 1 cannot run: not detaching the state needs consecutive"),
    (("--model", "gru", "--nonlinearity", "relu", "--layers", "uniform:1..3", "--samples", "2"),
     "the trial layers 1, lr 1 cannot run: nonlinearity relu"),
    (("--device", "tpu"), "unknown device 'tpu': use auto, cpu, cuda or cuda:N"),
    (("--device", "cuda"), "--device cuda needs --gpus-per-trial above 0"),
    (("--device", "cuda:1", "--gpus-per-trial", "1"),
     "--device cuda:1 needs --gpus-per-trial above 1"),
])
def test_bad_sweep_options_are_one_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path, args: tuple[str, ...],
    words: str,
) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_main(capsys, "sweep", "--corpus", str(text_file), "--lr", "1,2",
                                 "--out", str(out), *args)
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert not out.exists()


def test_an_out_inside_a_file_is_refused_before_ray_starts(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    out = text_file / "sweeps" / "one"
    code, _, err = run_main(capsys, "sweep", "--corpus", str(text_file), "--lr", "1,2",
                            "--out", str(out))
    assert code == 2 and err.strip() == (
        f"rnnplay sweep: --out {out} is inside {text_file}, which is a file: give a folder for "
        "the sweep (new or empty)")
    assert text_file.read_text(encoding="utf-8") == TEXT


@pytest.mark.parametrize("storage", ["nosuch://bucket", "s3://", "FILE/under-a-file"])
def test_a_storage_tune_cannot_use_is_one_line_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path, storage: str
) -> None:
    out = tmp_path / "out"
    storage = storage.replace("FILE", str(text_file))
    code, stdout, err = run_main(capsys, "sweep", "--corpus", str(text_file), "--lr", "1,2",
                                 "--out", str(out), "--storage", storage)
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("rnnplay sweep: --storage: Tune cannot keep its experiment at "), err
    assert not out.exists() and text_file.read_text(encoding="utf-8") == TEXT


def trial(**fields: Any) -> str:
    return json.dumps({"name": "trial-00", "label": "lr 1", "settings": {"lr": 1.0},
                       "best_val_perplexity": 9.5, "epochs": 2, "ended": "finished",
                       "error": "", "file": "trial-00.rnnplay", "node": "", **fields})


@pytest.mark.parametrize(("line", "words"), [
    ("not json", "line 1 is not a trial"),
    ("[1, 2]", "line 1 is not a trial: not an object"),
    (trial(extra=1), "line 1 is not a trial"),
    (trial(settings=["lr", 1.0]), "settings holds ['lr', 1.0]"),
    (trial(name=5), "name holds 5"),
    (trial(name="../../elsewhere"), "'../../elsewhere' is not a trial's name"),
    (trial(file=7), "file holds 7"),
    (trial(epochs=True), "epochs holds True"),
    (trial(best_val_perplexity="low"), "best_val_perplexity holds 'low'"),
    (trial(best_val_perplexity=10**400), "best_val_perplexity is past any float"),
    (trial(ended="exploded"), "'exploded' after 2 epochs is not how a trial ends"),
    (trial(epochs=-1), "after -1 epochs is not how a trial ends"),
    (trial(ended="interrupted", settings={}), "the summary's trial-00 lacks its lr"),
    (trial(ended="interrupted", settings={"lr": "fast"}),
     "the summary's trial-00: learning rate must be a positive number"),
])
def test_a_bad_summary_is_one_line_before_ray_starts(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path, line: str, words: str
) -> None:
    out = sweep_folder(tmp_path, json.dumps(valid(text_file)))
    (out / "summary.jsonl").write_text(line + "\n", encoding="utf-8")
    before = files(out)
    code, stdout, err = run_main(capsys, "sweep", "--resume", str(out))
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"rnnplay sweep: cannot resume {out}: "), err
    assert words in err
    assert files(out) == before


def test_the_sweeps_own_options_given_with_resume_are_named_as_left(
    capsys: pytest.CaptureFixture[str], text_file: Path, tmp_path: Path
) -> None:
    # A summary the resume refuses, so the command ends before Ray: the note comes first.
    out = sweep_folder(tmp_path, json.dumps(valid(text_file)))
    (out / "summary.jsonl").write_text("not json\n", encoding="utf-8")
    code, _, err = run_main(capsys, "sweep", "--resume", str(out), "--lr", "5", "--scheduler",
                            "asha", "--samples", "3", "--out", str(tmp_path / "elsewhere"),
                            "--max-concurrent", "2")
    note, refusal = err.strip().splitlines()
    assert note == (f"rnnplay sweep: note: --lr, --samples, --scheduler, --out left as "
                    f"{out / PLAN_NAME} has them: a resumed sweep keeps its settings")
    assert code == 2 and refusal.startswith(f"rnnplay sweep: cannot resume {out}")
    assert not (tmp_path / "elsewhere").exists()
