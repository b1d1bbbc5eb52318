"""Train many runs on Ray Tune, on this machine's cores or a Ray cluster, and rank them by
held-out perplexity. A setting may be a list (--lr 0.3,1,3,10 --hidden 128,256) or a
distribution (--lr log:1e-3..1e2 with --samples N); every trial is the trainer `rnnplay train`
runs and leaves its session file in the sweep folder, with a summary (summary.csv,
summary.jsonl) best first. Ctrl-C stops cleanly; --resume DIR carries the sweep on. The app
opens the folder (rnnplay --load DIR): every trial as a run. Needs Ray Tune:
pip install -e '.[sweep]'."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from engine.config import ConfigError, CorpusConfig, TrainConfig, specs
from engine.data.corpus import CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.session import default_save_dir
from engine.sweep.folder import is_sweep, write_plan
from engine.sweep.plan import (
    SCHEDULERS,
    Plan,
    Resources,
    Schedule,
    check_device,
    check_options,
    experiment_path,
    load_plan,
)
from engine.sweep.resume import scheduler_note
from engine.sweep.space import KINDS, build_space, may_vary
from engine.sweep.summary import TrialRow
from engine.sweep.table import results_table
from rnnplay.headless import STOP_SIGNALS, Output, say

INSTALL = "pip install -e '.[sweep]' (or pip install 'ray[tune]')"
# The sweep's own options a resumed sweep takes from sweep.json, with their defaults: one given
# with --resume is left, and a note says so.
KEPT_ON_RESUME: dict[str, Any] = {
    "samples": 1, "scheduler": Schedule.scheduler, "grace_period": Schedule.grace_period,
    "reduction_factor": Schedule.reduction_factor, "cpus_per_trial": Resources.cpus_per_trial,
    "gpus_per_trial": Resources.gpus_per_trial, "storage": None, "out": None,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Every setting is taken as text and read by engine/sweep/space.py with its declaration, so
    # a list given for a setting that cannot vary is refused by name, not as a bad number.
    notes = {"epochs": "every trial trains to this epoch (ASHA may stop it sooner)",
             "threads": "default: the trial's CPUs"}
    for spec in (*specs(CorpusConfig), *specs(TrainConfig)):
        default = ("" if spec.default is None or spec.kind is tuple
                   else f", default {spec.text(spec.default)}")
        how = ""
        if may_vary(spec):
            number = spec.kind in (int, float)
            how = "; a list a,b,c" + (f" or {'/'.join(k + ':A..B' for k in KINDS)}"
                                      if number else "")
        note = f"; {notes[spec.name]}" if spec.name in notes else ""
        parser.add_argument(spec.flag, dest=spec.name, default=argparse.SUPPRESS,
                            metavar="VALUES" if how else spec.name.upper(),
                            help=f"{spec.setting.help}{default}{how}{note}".replace("%", "%%"))
    add = parser.add_argument
    add("--samples", type=int, default=KEPT_ON_RESUME["samples"], metavar="N",
        help="trials drawn for each combination of the lists (with a distribution), default 1")
    add("--scheduler", choices=SCHEDULERS, default=Schedule.scheduler,
        help="none: every trial to its last epoch; asha: stop trials whose held-out "
        "perplexity lags (Async Successive Halving)")
    add("--grace-period", type=int, default=Schedule.grace_period, metavar="N",
        help="asha: epochs every trial runs before it may be stopped, default 1")
    add("--reduction-factor", type=int, default=Schedule.reduction_factor, metavar="N",
        help="asha: 1 in N trials goes on at each rung, default 3")
    add("--max-concurrent", type=int, default=Resources.max_concurrent, metavar="N",
        help="trials at once (default: as many as the CPUs/GPUs hold)")
    add("--cpus-per-trial", type=float, default=Resources.cpus_per_trial, metavar="X",
        help="default 1")
    add("--gpus-per-trial", type=float, default=Resources.gpus_per_trial, metavar="X",
        help="default 0; 0.25 puts four trials on a GPU")
    add("--address", metavar="HOST:PORT",
        help="run on an existing Ray cluster (`ray start --head` prints its address); "
        "default: a local Ray for this sweep")
    add("--storage", metavar="PATH_OR_URI",
        help="Tune's storage path: on a cluster of several machines a folder every node sees "
        "(NFS) or a cloud URI (s3://...); default: tune/ inside --out")
    add("--out", metavar="DIR",
        help="the sweep folder (default: saves/sweep-<corpus>-<time>/)")
    add("--resume", metavar="DIR",
        help="carry on the interrupted sweep in DIR with its own settings (finished trials are "
        "kept); only --address and --max-concurrent may differ")


def run(args: argparse.Namespace) -> int:
    # What to sweep is checked first, without Ray: a bad option or a hand-edited sweep.json is
    # one line before a cluster is started or anything is written.
    try:
        out, plan = _plan(args)
        space = plan.space()
        schedule = plan.schedule
        resources = replace(plan.resources, **_overrides(args))
        check_options(schedule, resources)
        check_device(space.fixed.get("device", TrainConfig.device), resources)
    except (ConfigError, ValueError, OSError) as err:  # ValueError: engine.sweep.plan.PlanError
        say(f"rnnplay sweep: {err}")
        return 2
    try:
        from engine.sweep import tuning
    except ImportError as err:
        say(f"rnnplay sweep: Ray Tune is not installed ({err.name} is missing): {INSTALL}")
        return 2
    try:
        source = CorpusConfig(**space.corpus)
        corpus = load_corpus(source.corpus, source.max_chars, progress=stderr_progress("corpus"),
                             preprocess=source.preprocess)
        sweep = tuning.Sweep(out, space, schedule, resources, corpus,
                             plan.experiment or experiment_path(out, None))
        # What a resume has left, from the folder's summary and session files: a bad summary
        # is refused before a cluster starts.
        left = sweep.left() if args.resume else None
        if plan.experiment:  # --storage, a URI or a folder outside the sweep folder
            tuning.check_storage(plan.experiment)
        started = tuning.start_ray(resources.address)
    except (ConfigError, CorpusError, tuning.SweepError, ValueError, OSError) as err:
        say(f"rnnplay sweep: {err}")
        return 2
    problem = ""
    try:
        tuning.check_fits(resources)
        if not args.resume:
            write_plan(out, plan.to_json())
    except tuning.SweepError as err:
        problem = str(err)
    except OSError as err:
        problem = f"cannot write the sweep folder {out}: {err.strerror or err}"
    if problem:
        say(f"rnnplay sweep: {problem}")
        if started:
            tuning.ray.shutdown()
        return 2
    stdout = Output(sys.stdout, "stdout", "the sweep goes on without progress lines")
    try:
        what = "resuming" if args.resume else "sweeping"
        stdout.write(f"{what} {space.trials} trials on {corpus.name} to epoch {schedule.epochs} "
                     f"({schedule.scheduler} scheduler) into {out}")
        with StopSweep(sweep):
            if left is not None:
                if note := scheduler_note(left, schedule.scheduler):
                    say(f"rnnplay sweep: note: {note}")
                rows, complete = sweep.resume(left)
            else:
                rows, complete = sweep.run()
    except tuning.SweepError as err:
        say(f"rnnplay sweep: {err}")
        return 2
    except OSError as err:  # the summary or a trial's file (a full disk, a read-only folder)
        say(f"rnnplay sweep: cannot write the sweep folder {out}: {err.strerror or err}")
        return 1
    except KeyboardInterrupt:
        say(f"rnnplay sweep: aborted; each trial's latest session file is kept: rnnplay sweep "
            f"--resume {out} carries on from them")
        return 130
    finally:
        if started:
            tuning.ray.shutdown()
    for line in results_table(rows, space.varied):
        stdout.write(line)
    stdout.write(f"summary: {out / 'summary.csv'}; open every trial with rnnplay --load {out}")
    if not complete:
        say(f"rnnplay sweep: interrupted; carry on with: rnnplay sweep --resume {out}")
        return 130
    if rows and all(row.best_val_perplexity is None for row in rows):
        say(f"rnnplay sweep: no trial finished an epoch ({_endings(rows)}): nothing to rank; "
            f"see {out / 'summary.csv'}")
        return 1
    return 0


def _endings(rows: list[TrialRow]) -> str:
    """"2 diverged, 1 failed (trial-00: its error)": how the trials ended, the first error."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.ended] = counts.get(row.ended, 0) + 1
    said = ", ".join(f"{n} {ended}" for ended, n in counts.items())
    failed = next((row for row in rows if row.error), None)
    return said + (f"; {failed.name}: {failed.error}" if failed else "")


class StopSweep:
    """Ctrl-C, SIGTERM and SIGHUP while the sweep runs: the first stops it cleanly (running
    trials end at their latest epoch's session file, which --resume carries on from); a
    second aborts at once."""

    def __init__(self, sweep: Any) -> None:
        self.sweep = sweep
        self.stopping = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSweep:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopping:
            raise KeyboardInterrupt
        self.stopping = True
        what = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        say(f"\nrnnplay sweep: {what}: stopping; finished trials are kept and the others keep "
            f"their latest epoch ({what} again aborts)")
        self.sweep.stop()


def _plan(args: argparse.Namespace) -> tuple[Path, Plan]:
    """The sweep folder and what to sweep: from the options, or from sweep.json to resume."""
    if args.resume:
        out = Path(args.resume).expanduser()
        if not is_sweep(out):
            raise ConfigError(f"--resume {out}: not a sweep folder (it has no sweep.json)")
        given = [spec.flag for spec in (*specs(CorpusConfig), *specs(TrainConfig))
                 if hasattr(args, spec.name)]
        given += ["--" + name.replace("_", "-") for name, default in KEPT_ON_RESUME.items()
                  if getattr(args, name) != default]
        plan = load_plan(out)
        if given:
            say(f"rnnplay sweep: note: {', '.join(given)} left as {out / 'sweep.json'} has "
                "them: a resumed sweep keeps its settings")
        return out, plan
    texts = {spec.name: getattr(args, spec.name) for spec in specs(TrainConfig)
             if hasattr(args, spec.name)}
    corpus = {spec.name: getattr(args, spec.name) for spec in specs(CorpusConfig)
              if hasattr(args, spec.name)}
    name = Path(corpus.get("corpus", CorpusConfig.corpus)).stem or "corpus"
    out = (Path(args.out).expanduser() if args.out else
           default_save_dir() / f"sweep-{name}-{time.strftime('%Y%m%d-%H%M%S')}")
    _check_out(out)
    epochs = build_space({"epochs": texts.get("epochs", str(TrainConfig.epochs))}, {})
    schedule = Schedule(epochs.fixed["epochs"], args.scheduler,
                        args.grace_period, args.reduction_factor)
    resources = Resources(args.cpus_per_trial, args.gpus_per_trial, args.max_concurrent,
                          args.address)
    return out, Plan(texts, corpus, args.samples, schedule, resources,
                     experiment_path(out, args.storage) if args.storage else "")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """What a resumed sweep may change: where it runs and how many trials at once."""
    if not args.resume:
        return {}
    out: dict[str, Any] = {}
    if args.address:
        out["address"] = args.address
    if args.max_concurrent:
        out["max_concurrent"] = args.max_concurrent
    return out


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file: give a folder for the sweep (new or empty)")
    # The nearest folder that exists: the sweep's folders are made inside it.
    above = next((p for p in out.absolute().parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise ConfigError(f"--out {out} is inside {above}, which is a file: give a folder for "
                          "the sweep (new or empty)")
    if is_sweep(out):
        raise ConfigError(f"--out {out} already holds a sweep: carry it on with --resume {out}, "
                          "or give another folder")
