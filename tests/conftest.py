"""Shared fixtures, and only fixtures: what tests import by name is in helpers.py. No test may
touch the network or the checkout's corpus/ directory.

The jaychou zip is read from where `make test` makes sure one is (CORPUS_SOURCES); a
session-wide RNNPLAY_CORPUS_DIR points at a temporary copy of it, and RNNPLAY_JAYCHOU_URL at a
closed local port so an accidental download fails at once instead of going online.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from helpers import Recorder
from xdist.remote import Producer
from xdist.scheduler import LoadGroupScheduling
from xdist.workermanage import WorkerController

from engine.data.corpus import Corpus, load_corpus
from engine.data.hosted import JAYCHOU_ZIP, corpus_dir_path
from engine.playground import Playground

REPO_ROOT = Path(__file__).resolve().parent.parent
# Where the book's zip is looked for: CI's mirror in shared/ beside the clone, else where the app
# keeps it and `make test` fetches it (engine.data.fetch_corpus): the user's RNNPLAY_CORPUS_DIR or
# corpus/, resolved at import, before the fixtures below point RNNPLAY_CORPUS_DIR elsewhere.
CORPUS_SOURCES = (REPO_ROOT.parent / "shared" / "corpus", corpus_dir_path())


def _source_zip() -> Path | None:
    return next((d / JAYCHOU_ZIP for d in CORPUS_SOURCES if (d / JAYCHOU_ZIP).is_file()), None)

# Port 9 (discard) is not listened on locally: connection refused, instantly.
DEAD_URL = "http://127.0.0.1:9/jaychou_lyrics.txt.zip"

# The tiny_corpus fixture's text (the app's tests use helpers.TINY_TEXT, Chinese lyrics).
_TINY_TEXT = (
    "the quick brown fox jumps over the lazy dog.\n"
    "pack my box with five dozen liquor jugs!\n"
    "how vexingly quick daft zebras jump; "
) * 4


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs as a batch job (SCHED_BATCH, Linux; inherited by the xdist workers and
    every process the tests start): the kernel then lets a busy process use up its time slice
    instead of switching to another at each wake-up. Four workers on two cores switched ~300k
    times a run, each switch leaving the book-sized trainings' matrices to be read into the
    cache again. SCHED_BATCH halves the switches; the time it saves is small beside this
    machine's noise (1-5% of the pytest wall in two pairs of runs; bench/RESULTS.md, "The test
    suite's time")."""
    if hasattr(os, "SCHED_BATCH"):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


@pytest.hookimpl(optionalhook=True)  # xdist's hooks: unknown under -p no:xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (`make test`): two workers a core. Much of a test's time is waiting, not
    computing (the pilot settles 40 ms or more a key press, timers, the app in tmux, Ray
    starting): with one worker a core the cores were a third idle (142% of 2). The book's
    trainings take one torch thread each under xdist, so they share the cores, not contend.
    PYTEST_XDIST_AUTO_NUM_WORKERS, where set, is xdist's own count and wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1)


@pytest.hookimpl(optionalhook=True)  # xdist's hooks: unknown under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> ShortSecond | None:
    """`--dist loadgroup` (`make test`), with each worker's second unit a short one."""
    return ShortSecond(config, log) if config.getoption("dist") == "loadgroup" else None


class ShortSecond(LoadGroupScheduling):
    """xdist hands each worker its first unit and at once the next one in the queue, queued
    behind it (a worker runs a test only once it holds the one after it, pytest-xdist #277).
    Behind one of the book's trainings that next unit waited for it: the next long one (the
    unclipped nn.RNN's curve, 88 s under load) was queued behind the longest training (266 s)
    and ran after it, 354 s of a 362 s suite on one worker. Here that second unit is a one-test
    unit from the queue's end (the long ones are at its head), and the long ones left go to
    whichever worker frees first."""

    _initial = False

    def schedule(self) -> None:
        self._initial = self.collection is None
        try:
            super().schedule()
        finally:
            self._initial = False

    def _reschedule(self, node: WorkerController) -> None:
        if not (self._initial and self.workqueue):
            super()._reschedule(node)
            return
        if self._pending_of(self.assigned_work[node]) > 2:
            return  # as xdist: a group of several tests needs no second unit
        units = reversed(self.workqueue.items())
        short = next((scope for scope, unit in units if len(unit) == 1), None)
        self.workqueue.move_to_end(short or next(reversed(self.workqueue)), last=False)
        self._assign_work_unit(node)


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups marked here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep expensive shared set-up once a run under xdist (`make test` uses --dist loadgroup):
    every module that uses Ray runs on one worker, so one Ray cluster is started, and a module
    with module-scoped fixtures of its own (a trained session, a cluster) runs on one worker, so
    they are built once, not once a worker. Without xdist the marks change nothing.

    Then the longest tests go first (see _longest_first)."""
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        if "ray" in sys.modules and getattr(module, "ray", None) is sys.modules["ray"]:
            item.add_marker(pytest.mark.xdist_group("ray"))
        elif _has_module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    items[:] = _longest_first(items)


def _longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """Tests marked `long(seconds)` first, longest first, each with its whole xdist group; the
    rest in collection order. xdist hands the work out in this order (`make test` passes
    --no-loadscope-reorder), so the book's trainings start at once and overlap everything
    else, instead of starting last and leaving the other workers idle at the end. A group
    stays together, so a module's module-scoped fixtures are still built once."""
    def group_of(item: pytest.Item) -> str:
        mark = item.get_closest_marker("xdist_group")
        return str(mark.args[0]) if mark and mark.args else item.nodeid

    seconds: dict[str, float] = {}
    for item in items:
        mark = item.get_closest_marker("long")
        if mark is not None:
            group = group_of(item)
            seconds[group] = max(seconds.get(group, 0.0), float(mark.args[0]))
    return sorted(items, key=lambda item: -seconds.get(group_of(item), 0.0))  # stable


def _has_module_fixtures(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)  # pytest's own record of what the test uses
    if info is None:
        return False
    module_id = item.nodeid.split("::")[0]
    return any(d.scope == "module" and d.baseid == module_id
               for defs in info.name2fixturedefs.values() for d in defs)


@pytest.fixture(scope="session")
def shared_corpus_zip() -> Path:
    """The book's jaychou_lyrics.txt.zip (CI's mirror or corpus/; read-only: copy it to write)."""
    path = _source_zip()
    if path is None:
        pytest.fail(f"test data missing: {JAYCHOU_ZIP} is in none of "
                    f"{', '.join(map(str, CORPUS_SOURCES))}; `make corpus` fetches it")
    return path


@pytest.fixture(scope="session", autouse=True)
def isolated_corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """RNNPLAY_CORPUS_DIR -> a temp dir holding a copy of the zip (when a source has one)."""
    corpus_dir = tmp_path_factory.mktemp("corpus")
    source = _source_zip()
    if source is not None:
        shutil.copyfile(source, corpus_dir / JAYCHOU_ZIP)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RNNPLAY_CORPUS_DIR", str(corpus_dir))
        mp.setenv("RNNPLAY_JAYCHOU_URL", DEAD_URL)
        mp.setenv("RNNPLAY_TIMEMACHINE_URL", DEAD_URL)
        yield corpus_dir


@pytest.fixture(scope="session")
def jaychou(shared_corpus_zip: Path, isolated_corpus_dir: Path) -> Corpus:
    """load_corpus("jaychou") with the defaults (10,000 chars, vocab 1027), loaded once."""
    return load_corpus("jaychou")


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A small UTF-8 text file (a few hundred chars); load it with load_corpus(str(path))."""
    path = tmp_path / "tiny.txt"
    path.write_text(_TINY_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """One intra-op torch thread for a module of tiny models: a second thread only adds
    contention (40x slower on a busy 2-core box). Trainers change the setting process-wide,
    so the next module gets its own back."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def flow_every_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gradient-flow and weights probes run at every epoch's end whatever they cost
    (engine.training.probes otherwise skips them on epochs where they would take more than
    FLOW_SHARE / WEIGHTS_SHARE of the time, which depends on the machine's speed)."""
    monkeypatch.setattr("engine.training.probes.FLOW_SHARE", 1e12)
    monkeypatch.setattr("engine.training.probes.WEIGHTS_SHARE", 1e12)


@pytest.fixture
def rec() -> Recorder:
    """Every report of the playground core a test drives, with waits on them."""
    return Recorder()


@pytest.fixture
def play(rec: Recorder, tmp_path: Path) -> Iterator[Playground]:
    """The real playground core, its saves in a per-test folder, closed after the test."""
    p = Playground(rec, save_dir=tmp_path / "saves")
    p.start()
    yield p
    p.close(timeout=5)
