"""Running a sweep on Ray Tune: the search space, the scheduler, the resources of each trial,
a cluster or a local Ray, a resume after Ctrl-C (engine/sweep/resume.py: from the folder's own
files, never Tune's pickled state); then each trial's session file copied out of Tune's storage
into the sweep folder, and the summary written.

Ray does the scheduling, the early stopping (ASHA), the placement of trials on the cluster's
nodes and the fault tolerance; rnnplay brings the trainable (engine/sweep/trainable.py) and what
is kept from each trial.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

# Before Ray Tune is imported: its own console output (a configuration box, tables) would mix
# with the sweep's lines (Progress below); and snapshotting the experiment at every checkpoint is
# what keeps one session file per trial (num_to_keep=1), so Tune's warning about it is noise.
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
# Ctrl-C is the command's to handle (it says what happens, then stops Tune through stop());
# Tune's own handler only logs advice to call Tuner.restore, which is --resume here.
os.environ.setdefault("TUNE_DISABLE_SIGINT_HANDLER", "1")

import pyarrow.fs  # noqa: E402
import ray  # noqa: E402
from ray import tune  # noqa: E402
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, TrialScheduler  # noqa: E402
from ray.tune.search.variant_generator import generate_variants  # noqa: E402

from engine.data.atomic_write import atomic_write
from engine.data.corpus import Corpus
from engine.sweep.folder import trial_file
from engine.sweep.plan import Resources, Schedule
from engine.sweep.resume import Left, left_to_run, trial_name_of
from engine.sweep.space import METRIC, TRIAL_KEY, Distribution, Space, plain_settings
from engine.sweep.summary import (
    DIVERGED,
    FAILED,
    FINISHED,
    INTERRUPTED,
    STOPPED_EARLY,
    TrialRow,
    write_summary,
)
from engine.sweep.trainable import SESSION_FILE, train_trial
from engine.training.events import RunState

CONNECT_TIMEOUT_S = 5.0  # an --address that does not answer in this long is unreachable
PROGRESS_EVERY_S = 30.0  # a line on how the sweep stands, at most this often


class SweepError(Exception):
    """A sweep that cannot start (an unreachable cluster, a resume of something else); one line."""


def trial_name(trial: Any) -> str:
    """"trial-03": Tune's own index of the trial (the tail of its id), or in a resumed sweep the
    name the trial had (its config holds it)."""
    if TRIAL_KEY in trial.config:
        return str(trial.config[TRIAL_KEY])
    return trial_name_of(int(str(trial.trial_id).rsplit("_", 1)[-1]))


def param_space(space: Space, schedule: Schedule, resources: Resources) -> dict[str, Any]:
    """Tune's search space: lists as grid searches, distributions as Tune's samplers, and the
    fixed settings (the epoch count, torch threads to match the trial's cores)."""
    out: dict[str, Any] = dict(space.fixed)
    out["epochs"] = schedule.epochs
    out.setdefault("threads", max(1, math.floor(resources.cpus_per_trial)))
    for name, values in space.lists.items():
        out[name] = tune.grid_search(list(values))
    out.update(samplers(space.drawn))
    return out


def samplers(drawn: dict[str, Distribution]) -> dict[str, Any]:
    """Tune's sampler for each distribution."""
    out: dict[str, Any] = {}
    for name, d in drawn.items():
        if d.integer:  # Tune's integer samplers leave out their upper end
            sampler = tune.lograndint if d.kind == "log" else tune.randint
            out[name] = sampler(int(d.low), int(d.high) + 1)
        else:
            out[name] = (tune.loguniform if d.kind == "log" else tune.uniform)(d.low, d.high)
    return out


def scheduler_for(schedule: Schedule) -> TrialScheduler:
    if schedule.scheduler == "asha":
        # Rungs at grace_period, grace_period * rf, ...: a trial whose held-out perplexity at a
        # rung is not in the best 1/rf of those that reached it stops there.
        return ASHAScheduler(time_attr="epoch", max_t=schedule.epochs,
                             grace_period=schedule.grace_period,
                             reduction_factor=schedule.reduction_factor)
    return FIFOScheduler()


def check_address(address: str) -> None:
    """SweepError unless something answers at host:port (Ray's own wait is a minute or more)."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), CONNECT_TIMEOUT_S):
            return
    except ValueError:
        raise SweepError(f"--address {address!r} is not host:port (the head's GCS address, "
                         "as `ray start --head` prints it)") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise SweepError(f"cannot reach a Ray cluster at {address} ({reason}): start one with "
                         "`ray start --head`, or leave --address out for a local Ray") from None


def check_fits(resources: Resources) -> None:
    """SweepError when no node of the Ray cluster can hold one trial: Tune would keep every
    trial pending for good (a cluster that adds nodes on demand: start them first)."""
    nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    cpus, gpus = resources.cpus_per_trial, resources.gpus_per_trial
    if any(node.get("CPU", 0.0) >= cpus and node.get("GPU", 0.0) >= gpus for node in nodes):
        return
    most = max(nodes, key=lambda node: (node.get("GPU", 0.0), node.get("CPU", 0.0)), default={})
    raise SweepError(f"no node of the Ray cluster holds one trial (--cpus-per-trial {cpus:g}, "
                     f"--gpus-per-trial {gpus:g}); the largest has {most.get('CPU', 0.0):g} "
                     f"CPUs and {most.get('GPU', 0.0):g} GPUs: every trial would wait for good")


def check_storage(experiment: str) -> None:
    """SweepError unless the experiment's folder can be made where --storage says (a URI of no
    filesystem pyarrow knows, a bucket it cannot reach, a folder it may not write): Tune would
    fail there with a traceback, after the sweep folder was written. The folder is made as Tune
    makes it (pyarrow, Tune's own filesystem layer)."""
    try:
        filesystem, path = pyarrow.fs.FileSystem.from_uri(experiment)
        filesystem.create_dir(path, recursive=True)
    except (ValueError, OSError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise SweepError(f"--storage: Tune cannot keep its experiment at {experiment}: "
                         f"{_one_line(err)}") from None


class Progress(tune.Callback):
    """Plain lines, readable over SSH and in a log: each trial's start and end, and every
    PROGRESS_EVERY_S how many trials stand where and the best so far. It also keeps what the
    summary is made of (each trial's settings, last report, latest checkpoint and how it ended),
    from the trials in this process, so nothing is read back from Tune's saved state."""

    def __init__(self, space: Space, epochs: int) -> None:
        # Tune pickles its callbacks with the experiment (before any trial starts), so this
        # holds plain data and writes to whatever stdout is at the time.
        self.space, self.epochs = space, epochs
        self.latest: dict[str, dict[str, Any]] = {}
        self.configs: dict[str, dict[str, Any]] = {}
        self.checkpoints: dict[str, tune.Checkpoint] = {}
        self.ended: dict[str, str] = {}  # Tune's status for trials that ended: TERMINATED, ERROR
        self.errors: dict[str, str] = {}
        self.started = time.monotonic()
        self.last_line = self.started

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self.configs[trial_name(trial)] = dict(trial.config)
        say(f"{trial_name(trial)} started: {self.space.label(trial.config)}")

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict,
                        **info: Any) -> None:
        self.latest[trial_name(trial)] = result

    def on_checkpoint(self, iteration: int, trials: list, trial: Any, checkpoint: Any,
                      **info: Any) -> None:
        self.checkpoints[trial_name(trial)] = checkpoint

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        # Called for a trial that ended (its last epoch, or an early stop), never for one that
        # Ctrl-C cut short: those have no entry in `ended`.
        self.ended[trial_name(trial)] = "TERMINATED"
        result = self.latest.get(trial_name(trial), {})
        epoch = result.get("epoch", 0)
        how = ended_as(result, self.epochs, "TERMINATED")
        say(f"{trial_name(trial)} {how} at epoch {epoch}/{self.epochs}: best val "
                 f"perplexity {_ppl(result.get('best_' + METRIC))} "
                 f"({self.space.label(trial.config)})")

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        error = _one_line(trial.get_error())
        self.ended[trial_name(trial)] = "ERROR"
        self.errors[trial_name(trial)] = error
        say(f"{trial_name(trial)} failed ({self.space.label(trial.config)}): {error}; the other "
            "trials go on")

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        now = time.monotonic()
        if now - self.last_line < PROGRESS_EVERY_S:
            return
        self.last_line = now
        counts: dict[str, int] = {}
        for trial in trials:
            counts[trial.status.lower()] = counts.get(trial.status.lower(), 0) + 1
        states = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        best = min(self.latest.items(), default=None,
                   key=lambda item: item[1].get("best_" + METRIC, math.inf))
        best_text = (f"; best so far {best[0]} at {_ppl(best[1].get('best_' + METRIC))}"
                     if best else "")
        say(f"[{_clock(now - self.started)}] {len(trials)} trials: {states}{best_text}")


def say(line: str) -> None:
    """A progress line on stdout, for as long as there is one (SSH may drop it)."""
    try:
        print(line, flush=True)
    except OSError:
        pass


def ended_as(metrics: dict[str, Any], epochs: int, status: str) -> str:
    """How a trial ended, from its last report and Tune's status for it."""
    if metrics.get("status") == RunState.DIVERGED:
        return DIVERGED
    if status == "ERROR":
        return FAILED
    if metrics.get("epoch", 0) >= epochs:
        return FINISHED
    return STOPPED_EARLY if status == "TERMINATED" else INTERRUPTED


def _ppl(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float | int) and math.isfinite(value) else "-"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _one_line(error: Any) -> str:
    lines = [line for line in str(error or "unknown error").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "unknown error"


class Sweep:
    """One sweep into `out`: run() a new one, or resume() the one `out` holds."""

    def __init__(self, out: Path, space: Space, schedule: Schedule, resources: Resources,
                 corpus: Corpus, experiment: str) -> None:
        self.out, self.space, self.schedule, self.resources = out, space, schedule, resources
        self.corpus, self.experiment = corpus, experiment

    @staticmethod
    def stop() -> None:
        """Stop the running sweep the way Tune stops on Ctrl-C: running trials end after their
        latest checkpoint (Tune listens for SIGUSR1 for this while it runs)."""
        os.kill(os.getpid(), signal.SIGUSR1)

    def run(self) -> tuple[list[TrialRow], bool]:
        """Run every trial; the rows best first, and whether every trial was run to its end
        (False after Ctrl-C)."""
        space = param_space(self.space, self.schedule, self.resources)
        return self._fit(space, self.space.samples, self.experiment, {}, [])

    def left(self) -> Left:
        """What is left of the interrupted sweep, from the folder's summary and session files
        (never from Tune's saved state, which is pickle)."""
        try:
            return left_to_run(self.out, self._slots(), self.space.varied, self._draw,
                               self._checkpoints())
        except ValueError as err:
            raise SweepError(f"cannot resume {self.out}: {err}") from None

    def resume(self, left: Left) -> tuple[list[TrialRow], bool]:
        """Carry on the interrupted sweep: trials that ended are kept as they are, those cut
        short carry on from their latest session file, those never started start, all on a
        new Tuner beside the first (Tune numbers a new Tuner's trials from 0: each trial keeps
        its name in its config)."""
        if not left.trials:
            return write_summary(self.out, left.kept), True
        space = param_space(self.space, self.schedule, self.resources)
        for name in (*self.space.lists, *self.space.drawn):
            space[name] = tune.sample_from(_Pick(left.trials, name))
        space[TRIAL_KEY] = tune.grid_search(list(left.trials))
        experiment = f"{self.experiment}-resumed-{time.strftime('%Y%m%d-%H%M%S')}"
        return self._fit(space, 1, experiment, left.sessions, left.kept)

    def _fit(self, space: dict[str, Any], samples: int, experiment: str,
             sessions: dict[str, bytes], kept: list[TrialRow]) -> tuple[list[TrialRow], bool]:
        quiet_tune()
        storage, name = experiment.rsplit("/", 1)
        trainable = tune.with_parameters(train_trial, corpus=self.corpus, sessions=sessions)
        progress = Progress(self.space, self.schedule.epochs)
        tuner = tune.Tuner(
            tune.with_resources(trainable, {"cpu": self.resources.cpus_per_trial,
                                            "gpu": self.resources.gpus_per_trial}),
            param_space=space,
            tune_config=tune.TuneConfig(
                metric=METRIC, mode="min", scheduler=scheduler_for(self.schedule),
                num_samples=samples,
                max_concurrent_trials=self.resources.max_concurrent or None,
                reuse_actors=True, trial_name_creator=trial_name,
                trial_dirname_creator=trial_name,
            ),
            run_config=tune.RunConfig(
                name=name, storage_path=storage, verbose=0, callbacks=[progress],
                checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
            ),
        )
        # The result grid is left alone: it reads back the errors Tune pickled; the summary is
        # made of what Progress kept as the trials ran.
        tuner.fit()
        rows = kept + [self._row(name, progress) for name in sorted(progress.configs)]
        ranked = write_summary(self.out, rows)
        complete = len(rows) == self.space.trials and all(r.ended != INTERRUPTED for r in rows)
        return ranked, complete

    def _row(self, name: str, progress: Progress) -> TrialRow:
        metrics = progress.latest.get(name, {})
        config = progress.configs[name]
        file = ""
        if name in progress.checkpoints:
            with progress.checkpoints[name].as_directory() as folder:
                data = (Path(folder) / SESSION_FILE).read_bytes()
            path = trial_file(self.out, name)
            atomic_write(path, data)
            file = path.name
        best = metrics.get("best_" + METRIC)
        ended = ended_as(metrics, self.schedule.epochs, progress.ended.get(name, ""))
        error = progress.errors.get(name, "") if ended == FAILED else ""
        settings = {k: list(v) if isinstance(v, tuple) else v
                    for k, v in plain_settings(config).items()}
        return TrialRow(
            name=name, label=self.space.label(config), settings=settings,
            best_val_perplexity=best if isinstance(best, float) and math.isfinite(best) else None,
            epochs=int(metrics.get("epoch", 0)), ended=ended, error=error, file=file,
            node=str(metrics.get("node", "")),
        )

    def _slots(self) -> list[dict[str, Any]]:
        """The grid's values of each trial, in the order Tune makes the trials (so a trial never
        started gets the name it would have had)."""
        grid = {name: tune.grid_search(list(values)) for name, values in self.space.lists.items()}
        combos = [{path[-1]: value for path, value in resolved.items()}
                  for resolved, _ in generate_variants(grid)]
        return combos * self.space.samples

    def _draw(self) -> dict[str, Any]:
        """Drawn values for a trial that never started (Tune had not drawn them yet)."""
        return {name: domain.sample() for name, domain in samplers(self.space.drawn).items()}

    def _checkpoints(self) -> list[Path]:
        """Session files in the checkpoints of this sweep's local Tune experiments."""
        if "://" in self.experiment:
            return []
        parent, name = self.experiment.rsplit("/", 1)
        return sorted(Path(parent).glob(f"{name}*/trial-*/checkpoint_*/{SESSION_FILE}"))


class _Pick:
    """The value of one setting for a resumed trial, by the trial's name (Tune's sample_from,
    resolved after the grid over the names)."""

    def __init__(self, trials: dict[str, dict[str, Any]], setting: str) -> None:
        self.trials, self.setting = trials, setting

    def __call__(self, config: dict[str, Any]) -> Any:
        return self.trials[config[TRIAL_KEY]][self.setting]


def start_ray(address: str | None) -> bool:
    """Connect to the cluster at `address`, or start a local Ray; False when Ray was already
    running in this process (a caller's, left as it is)."""
    if ray.is_initialized():
        return False
    if address:
        check_address(address)
    # Without an address Ray would join the cluster it last started on this machine (read from
    # its temp folder), even a dead one, where ray.init waits for good: "local" starts a new one.
    ray.init(address=address or "local", include_dashboard=False,
             logging_level=logging.WARNING, log_to_driver=False, configure_logging=True)
    return True


def quiet_tune() -> None:
    """Tune's end-of-run log lines (trials that did not complete, how to restore) repeat what
    the sweep's own lines and summary say, in Tune's terms."""
    logging.getLogger("ray.tune.tune").setLevel(logging.CRITICAL)
