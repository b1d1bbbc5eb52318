"""What an interrupted sweep has left to run, read only from what rnnplay writes itself: the
summary (trials that ended are kept as they are) and the trials' session files, through the
session loader's checks (a trial cut short carries on from its latest one).

Tune's own experiment state is never read back: it is written with pickle, and a sweep folder
copied from elsewhere must not be able to run code when it is resumed.

Nothing here imports Ray: engine/sweep/tuning.py runs what is left on a new Tuner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import ConfigError, TrainConfig, spec_of
from engine.session import load_session
from engine.session.types import Session, SessionError
from engine.sweep.folder import trial_file
from engine.sweep.summary import INTERRUPTED, JSONL_NAME, TrialRow, read_summary


@dataclass(frozen=True)
class Left:
    kept: list[TrialRow]  # trials that ended (finished, stopped early, diverged, failed)
    trials: dict[str, dict[str, Any]]  # name -> varied settings, of every trial still to run
    sessions: dict[str, bytes]  # name -> the session file a trial cut short carries on from


def trial_name_of(index: int) -> str:
    """A trial's name by its index in Tune's order: "trial-03"."""
    return f"trial-{index:02d}"


def trial_names(count: int) -> list[str]:
    return [trial_name_of(index) for index in range(count)]


def left_to_run(out: Path, slots: list[dict[str, Any]], varied: Iterable[str],
                draw: Callable[[], dict[str, Any]], checkpoints: Iterable[Path] = ()) -> Left:
    """What is left of the sweep in `out`. `slots` holds the grid's values for each trial in
    Tune's order; `varied` names the settings that tell trials apart; `draw` draws the
    distributions for a trial that never started (a trial that did start has the values it
    drew in its summary row or session file); `checkpoints` are the session files Tune's
    checkpoints hold (a sweep aborted before it wrote its summary). ValueError when the summary
    is not one."""
    rows = read_summary(out) if (out / JSONL_NAME).exists() else []
    kept = [row for row in rows if row.ended != INTERRUPTED]
    done = {row.name for row in kept}
    cut_short = {row.name: row for row in rows if row.ended == INTERRUPTED}
    latest = _latest_sessions([trial_file(out, name) for name in cut_short] + list(checkpoints),
                              skip=done)
    varied = tuple(varied)
    trials: dict[str, dict[str, Any]] = {}
    for name, slot in zip(trial_names(len(slots)), slots, strict=True):
        if name in done:
            continue
        if name in cut_short:
            missing = [k for k in varied if k not in cut_short[name].settings]
            if missing:
                raise ValueError(f"the summary's {name} lacks its {', '.join(missing)}")
            trials[name] = {k: _checked(k, cut_short[name].settings[k], name) for k in varied}
            if name in latest and not _same(latest[name][0], trials[name]):
                del latest[name]  # another trial's file: this one starts again
        elif name in latest:
            trials[name] = {k: getattr(latest[name][0].config, k) for k in varied}
        else:
            trials[name] = {**slot, **draw()}
    sessions = {name: data for name, (_, data) in latest.items() if name in trials}
    return Left(kept, trials, sessions)


def scheduler_note(left: Left, scheduler: str) -> str:
    """What a resumed ASHA does not know, said before it runs ("" when it misses nothing).

    ASHA stops a trial at a rung (an epoch count) when its held-out perplexity there is not in
    the best 1/rf of those recorded at that rung. A faithful resume would hand it every rung
    result from before the interruption: the kept trials' (their session files hold each
    epoch's perplexity) and the epochs the trials carried on had trained. Ray Tune gives a
    scheduler results only from the trials it runs, or restores one from its pickled state,
    which rnnplay never reads; so the new Tuner's ASHA starts with empty rungs."""
    before = len(left.kept) + len(left.sessions)
    if scheduler != "asha" or not left.trials or not before:
        return ""
    kept = f"{len(left.kept)} trial{'s' * (len(left.kept) != 1)} kept"
    carried = (f" and the epochs the {len(left.sessions)} carried on trained before it"
               if left.sessions else "")
    return (f"ASHA starts afresh: what came before the interruption ({kept}{carried}) does not "
            "count in its decisions to stop the trials run now (Ray Tune restores a scheduler "
            "only from its pickled state, which rnnplay never reads)")


def _checked(setting: str, value: Any, trial: str) -> Any:
    """A varied setting's value as the summary keeps it, checked by its declaration (a
    hand-edited summary must not hand Tune an lr of "fast")."""
    try:
        spec_of(TrainConfig, setting).check(tuple(value) if isinstance(value, list) else value)
    except ConfigError as err:
        raise ValueError(f"the summary's {trial}: {err}") from None
    return value


def _same(session: Session, settings: dict[str, Any]) -> bool:
    """Whether a session was trained with these settings (the summary keeps tuples as lists)."""
    return all(getattr(session.config, k) == (tuple(v) if isinstance(v, list) else v)
               for k, v in settings.items())


def _latest_sessions(paths: Iterable[Path], skip: set[str]) -> dict[str, tuple[Session, bytes]]:
    """The session (and its file's bytes) with the most epochs for each trial; a file that
    fails the loader's checks is passed over (that trial starts again)."""
    latest: dict[str, tuple[Session, bytes]] = {}
    for path in paths:
        name = _trial_of(path)
        if name in skip or not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
            session = load_session(path)
        except (SessionError, OSError):
            continue
        if name not in latest or session.epoch > latest[name][0].epoch:
            latest[name] = (session, data)
    return latest


def _trial_of(path: Path) -> str:
    """trial-03 for <out>/trial-03.rnnplay and <experiment>/trial-03/checkpoint_N/session..."""
    return path.parent.parent.name if path.parent.name.startswith("checkpoint_") else path.stem
