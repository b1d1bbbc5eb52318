"""A sweep's plan: what it was started with (each setting's text as typed, the corpus, the
samples, the schedule and the resources of each trial), kept in sweep.json and all that
`rnnplay sweep --resume` runs from.

The file is data a user may edit by hand or a copy may cut short, so it is read strictly, before
Ray starts or anything is written: every part, key, type and bound is checked, and what is wrong
is one line naming the file and the key (PlanError). The app's listing reads only the corpus
from it (engine/sweep/folder.py).

Nothing here imports Ray.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from engine.config import ConfigError, CorpusConfig, TrainConfig, specs
from engine.sweep.folder import FORMAT, MAX_PLAN_BYTES, PLAN_NAME, TUNE_NAME
from engine.sweep.space import MAX_TRIALS, Space, build_space
from engine.training.device import device_kind

SCHEDULERS = ("none", "asha")
MAX_EPOCHS = 10_000_000  # as TrainConfig.epochs allows
MAX_CPUS, MAX_GPUS = 1024.0, 64.0  # per trial: past these no machine could place one
MAX_CONCURRENT = 100_000
MAX_ADDRESS_CHARS = 1024


class PlanError(ValueError):
    """sweep.json cannot be resumed; the message is one line naming the file and what is
    wrong."""


@dataclass(frozen=True)
class Schedule:
    epochs: int
    scheduler: str = "none"  # one of SCHEDULERS: every trial to its last epoch, or ASHA
    grace_period: int = 1  # ASHA: epochs every trial runs before it may be stopped
    reduction_factor: int = 3  # ASHA: 1 in this many trials goes on at each rung

    def check(self) -> None:
        """ConfigError (its field named) for a value no sweep can run with."""
        _whole(self, "epochs", 1, MAX_EPOCHS)
        if self.scheduler not in SCHEDULERS:
            raise ConfigError(f"must be one of {', '.join(SCHEDULERS)}, not "
                              f"{_show(self.scheduler)}", "scheduler")
        _whole(self, "grace_period", 1, MAX_EPOCHS)
        _whole(self, "reduction_factor", 2, MAX_EPOCHS)
        if self.scheduler == "asha" and self.grace_period > self.epochs:
            # ASHA would have no rung to stop a trial at.
            raise ConfigError(f"must be at most the epochs ({self.epochs}) for ASHA to stop a "
                              f"trial, not {self.grace_period}", "grace_period")


@dataclass(frozen=True)
class Resources:
    """Where and how wide each trial runs."""

    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0  # 0.25: four trials share a GPU
    max_concurrent: int = 0  # 0: as many as the cluster's resources hold
    address: str | None = None  # an existing Ray cluster; None: a local Ray for this sweep

    def check(self) -> None:
        _number(self, "cpus_per_trial", 0.0, MAX_CPUS, low_allowed=False)
        _number(self, "gpus_per_trial", 0.0, MAX_GPUS, low_allowed=True)
        _whole(self, "max_concurrent", 0, MAX_CONCURRENT)
        if self.address is not None and not (
            isinstance(self.address, str) and 0 < len(self.address) <= MAX_ADDRESS_CHARS
        ):
            raise ConfigError(f"must be a cluster's HOST:PORT or left out, not "
                              f"{_show(self.address)}", "address")


# Every flag of `rnnplay sweep` that sets a Schedule or Resources field.
FLAGS = {f.name: "--" + f.name.replace("_", "-") for cls in (Schedule, Resources)
         for f in fields(cls)}


def _whole(obj: Any, name: str, low: int, high: int) -> None:
    value = getattr(obj, name)
    # bool is an int to Python, and 3.0 is not a count.
    if type(value) is not int or not low <= value <= high:
        raise ConfigError(f"must be a whole number from {low:,} to {high:,}, not "
                          f"{_show(value)}", name)


def _number(obj: Any, name: str, low: float, high: float, low_allowed: bool) -> None:
    value = getattr(obj, name)
    # An int is compared as it is: math.isfinite would overflow on a 400-digit one.
    ok = (type(value) is int or type(value) is float and math.isfinite(value)) and (
        value <= high and (value >= low if low_allowed else value > low))
    if not ok:
        least = f"from {low:g}" if low_allowed else f"above {low:g}"
        raise ConfigError(f"must be a number {least} to {high:g}, not {_show(value)}", name)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_options(schedule: Schedule, resources: Resources) -> None:
    """ConfigError naming the flag at fault, for the options of a new sweep."""
    for part in (schedule, resources):
        try:
            part.check()
        except ConfigError as err:
            raise ConfigError(f"{FLAGS[err.field or '']} {err}", err.field) from None


def check_device(device: str, resources: Resources) -> None:
    """ConfigError (DeviceError) for a --device no trial could use: a name torch has no device
    for, or a GPU Ray would not give the trial (it sees only the GPUs --gpus-per-trial asks
    for, numbered from 0), where each trial would fail on its node."""
    if device_kind(device) != "cuda":
        return
    index = int(device.strip().partition(":")[2] or 0)
    visible = math.ceil(resources.gpus_per_trial)
    if index >= visible:
        raise ConfigError(f"--device {device.strip()} needs --gpus-per-trial above {index}: Ray "
                          f"shows a trial only the GPUs it asks for, from cuda:0 "
                          f"(--gpus-per-trial is {resources.gpus_per_trial:g})", "device")


@dataclass(frozen=True)
class Plan:
    texts: dict[str, str]  # TrainConfig field -> the text typed for it ("0.3,1,3", "log:1..9")
    corpus: dict[str, str]  # CorpusConfig field -> the text typed for it
    samples: int  # draws of the distributions for each combination of the lists
    schedule: Schedule
    resources: Resources
    # Tune's experiment path under --storage; "": tune/ inside the sweep folder (so a moved
    # folder resumes inside itself)
    experiment: str

    def space(self) -> Space:
        """The settings of every trial; ConfigError as build_space says."""
        return build_space(self.texts, self.corpus, self.samples)

    def to_json(self) -> dict[str, Any]:
        """sweep.json's parts (engine/sweep/folder.py's write_plan adds the format)."""
        return asdict(self)


PARTS = tuple(f.name for f in fields(Plan))


def experiment_path(out: Path, storage: str | None) -> str:
    """Where Tune keeps the experiment: tune/ inside the sweep folder, or the sweep folder's
    name under --storage (a folder every node sees, or a cloud URI, on a cluster). sweep.json
    keeps "" for the first, so a sweep folder moved elsewhere still resumes inside itself."""
    if storage is None:
        return f"{out.resolve()}/{TUNE_NAME}"
    if "://" not in storage:  # Tune takes local folders as absolute paths only
        storage = str(Path(storage).expanduser().resolve())
    return f"{storage.rstrip('/')}/{out.resolve().name}"


def load_plan(folder: Path) -> Plan:
    """The plan in folder/sweep.json, every part checked (its space too); PlanError naming the
    file and what is wrong."""
    path = folder / PLAN_NAME
    try:
        size = path.stat().st_size
        text = path.read_text(encoding="utf-8") if size <= MAX_PLAN_BYTES else ""
    except OSError as err:
        raise PlanError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise PlanError(f"{path} is not text (UTF-8): it was not written by rnnplay sweep; "
                        "start a new sweep") from None
    if size > MAX_PLAN_BYTES:
        raise PlanError(f"{path} holds {size:,} bytes, more than a sweep's plan ({MAX_PLAN_BYTES:,}"
                        " at most): it was not written by rnnplay sweep")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as err:
        where = f" ({err.msg}, line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
        raise PlanError(f"{path} is not JSON{where}: fix it by hand or start a new sweep"
                        ) from None
    try:
        plan = plan_from_json(value)
        plan.space()
    except ConfigError as err:
        raise PlanError(f"{path}: {err}") from None
    return plan


def plan_from_json(value: Any) -> Plan:
    """A Plan from sweep.json's content; ConfigError saying which key is wrong and how."""
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise ConfigError(f"not written by rnnplay sweep (no \"format\": \"{FORMAT}\" at its "
                          "top)")
    _keys(value, ("format", *PARTS), "it")
    texts = _texts(value["texts"], "texts", TrainConfig)
    corpus = _texts(value["corpus"], "corpus", CorpusConfig)
    samples = value["samples"]
    if type(samples) is not int or not 1 <= samples <= MAX_TRIALS:
        raise ConfigError(f"samples must be a whole number from 1 to {MAX_TRIALS:,}, not "
                          f"{_show(samples)}")
    schedule = _part(Schedule, value["schedule"], "schedule")
    resources = _part(Resources, value["resources"], "resources")
    typed = texts.get("epochs")
    if typed is not None and typed.strip() != str(schedule.epochs):
        raise ConfigError(f"schedule.epochs is {schedule.epochs} but texts.epochs is {typed!r}: "
                          "make them the same")
    experiment = value["experiment"]
    if not isinstance(experiment, str) or experiment and not _experiment_path(experiment):
        raise ConfigError(f"experiment must be \"\" or Tune's experiment path (an absolute folder "
                          f"or a URI), not {_show(experiment)}")
    return Plan(texts, corpus, samples, schedule, resources, experiment)


def _keys(value: dict[str, Any], names: tuple[str, ...], what: str) -> None:
    missing = [n for n in names if n not in value]
    unknown = sorted(map(str, set(value) - set(names)))
    if missing or unknown:
        said = [f"lacks {', '.join(missing)}"] if missing else []
        said += [f"has unknown keys {', '.join(unknown)}"] if unknown else []
        raise ConfigError(f"{what} {' and '.join(said)} (it holds {', '.join(names)})")


def _texts(value: Any, part: str, config: type) -> dict[str, str]:
    known = {spec.name for spec in specs(config)}
    if not isinstance(value, dict):
        raise ConfigError(f"{part} must be an object of setting: text, not {_show(value)}")
    unknown = sorted(map(str, set(value) - known))
    if unknown:
        raise ConfigError(f"{part} has unknown settings {', '.join(unknown)}")
    for name, text in value.items():
        if not isinstance(text, str):
            raise ConfigError(f"{part}.{name} must be text as typed (\"1,3\"), not {_show(text)}")
    return dict(value)


def _part(cls: type, value: Any, part: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"{part} must be an object, not {_show(value)}")
    _keys(value, tuple(f.name for f in fields(cls)), part)
    made = cls(**value)
    try:
        made.check()
    except ConfigError as err:
        raise ConfigError(f"{part}.{err.field} {err}") from None
    return made


def _experiment_path(text: str) -> bool:
    """Whether text names an experiment as experiment_path makes one: a folder's absolute path
    or a URI, then the experiment's own name."""
    storage, _, name = text.rpartition("/")
    return bool(name) and (storage.startswith("/") or "://" in storage) and (
        not storage.endswith(":/"))
