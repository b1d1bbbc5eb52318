"""UI responsiveness while the scratch model trains on jaychou, on this CPU.

Run from the repo root:  python -m bench.ui_latency   (RNNPLAY_CORPUS_DIR may point at the zip)

Measures, with the real engine and one intra-op torch thread (the app's default):
  * keystroke -> the 50-character greedy completion for the new text rendered by the prompt
    (with --views or --view NAME, the views inside the model open on one view: every keystroke
    also computes the next-character odds, and the hidden units, the saliency or the model
    view's steps when that view is the one on screen, as the app does),
  * with --marked, keystroke -> every marked run's 50-character completion for the new text
    rendered, 3 runs marked (m in the runs table), the newest of them training (issue 17),
  * with --long N, the same with N - 20 characters of the corpus pasted into the prompt first,
    so that typing brings it to N (the prompt holds 2,000 at most); the bench then types after
    them and deletes back to them instead of clearing (issue 21),
  * lateness of a 20 Hz UI timer (how long the event loop was busy when it should have run),
  * training chars/s with the app attached against a headless Trainer (same config, same epochs),
  * launch -> first frame in a real terminal (tmux, 120x40, polled every 10 ms).
The app runs headless (App.run_test) for the first three: the compositor renders every frame as
in a terminal, only the bytes are not written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.ui_stages import StageClock

REPO = Path(__file__).resolve().parents[1]
# Those computed per keystroke, in F10's order; "model" is the model view (issue 18: p99 <= 50 ms
# while training), which steps every prompt character term by term with each completion.
VIEWS = ("odds", "units", "looks-at", "model")
TYPED = "分开我想就这样牵着你的手不放开爱能不能够永远单纯没有悲哀"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def headless_chars_per_sec(epochs: int) -> float:
    from engine.config import TrainConfig
    from engine.data.corpus import load_corpus
    from engine.training.trainer import Trainer

    trainer = Trainer(load_corpus("jaychou"), TrainConfig(model="scratch", epochs=epochs))
    trainer.run()
    rates = [e.chars_per_sec for e in trainer.history[1:]]  # epoch 1 pays warm-up
    return statistics.mean(rates)


# The pilot's wait for the app to settle after a key, at most (--settle): keys ~0.3 s apart.
IDLE_WAIT_CAP_S = 0.05
MARKED = 3  # runs marked in the --marked case, the newest of them training


def completion_shown(prompt) -> bool:  # noqa: ANN001 - a PromptPane, imported late
    """Whether the prompt shows the whole completion of its text: the selected run's, or with
    runs marked every marked run's (a completion that merely still fits is shorter)."""
    if prompt.marked.runs:
        return all(len(prompt.line_of(line.run_id)) == prompt.length for line in prompt.marked.runs)
    whole = len(prompt.visible_completion()) == prompt.length
    return prompt._completed_for == prompt.text and whole


async def mark_runs(app, pilot, epochs: int) -> None:  # noqa: ANN001 - the app and its Pilot
    """MARKED runs, all marked: the first ones train one epoch each and finish, the last
    trains `epochs` epochs (the measurement runs while it trains)."""
    from textual.widgets import Input

    for run_id in range(1, MARKED):
        while len(app.playground.summaries()) < run_id or app.state != "finished":
            await asyncio.sleep(0.05)
        if run_id == MARKED - 1:
            app.query_one("#epochs", Input).value = str(epochs)
        await pilot.press("f5")
    while app.playground.selected != MARKED:
        await asyncio.sleep(0.05)
    table = app.main.runs
    while table.row_count < MARKED:
        await asyncio.sleep(0.05)
    table.focus()
    for row in range(MARKED):
        table.move_cursor(row=row)
        await pilot.press("m")
    while len(app.main.prompt.marked.runs) < MARKED:
        await asyncio.sleep(0.05)
    app.main.prompt.focus()


async def app_session(
    epochs: int, keystrokes: int, views: int, marked: bool, long: int = 0,
    clock: StageClock | None = None, settle: float = IDLE_WAIT_CAP_S,
) -> dict[str, float | list[float]]:
    from engine.generation.prompt_follower import PromptFollower
    from tui.app import AppOptions, RnnplayApp
    from tui.widgets.prompt import PromptPane

    # What training waits between batches for keystrokes' completions (give_way): left out of
    # its chars/s (the batches' own time), so said beside it.
    waited: list[float] = []
    give_way = getattr(PromptFollower, "give_way", None)  # (a checkout from before it: none)

    def timed_give_way(follower: PromptFollower) -> None:
        began = time.perf_counter()
        give_way(follower)
        waited.append(time.perf_counter() - began)

    if give_way is not None:
        PromptFollower.give_way = timed_give_way  # type: ignore[method-assign]
    # Pilot's press lets the app settle until the process's CPU time stops advancing, for up
    # to a second, twice a key: beside a run training it never does, so keys went 2 s apart.
    # Capped, they come ~0.25 s apart, as a person types.
    import textual.app
    import textual.pilot
    from textual._wait import wait_for_idle

    async def capped_idle(min_sleep: float = 0.0, max_sleep: float = 1) -> None:
        await wait_for_idle(min_sleep, min(max_sleep, settle))

    textual.app.wait_for_idle = textual.pilot.wait_for_idle = capped_idle
    first = "1" if marked else str(epochs)
    app = RnnplayApp(AppOptions(train=True, setup={"epochs": first}))
    rates: list[float] = []
    lateness: list[float] = []
    latencies: list[float] = []
    training: list[float] = []  # 1 for each keystroke sent while the selected run trained
    shown: dict[str, float] = {}
    timed: list[str] = []  # the texts whose keystrokes were timed, for the stages

    async with app.run_test(size=(120, 40)) as pilot:
        while not app.query(PromptPane) or app.state not in ("running", "finished"):
            await asyncio.sleep(0.05)
        if marked:
            await mark_runs(app, pilot, epochs)
        for _ in range(views):  # F10 steps through the views in tui.widgets.inside.VIEWS' order
            await pilot.press("f10")
        prompt = app.query_one(PromptPane)
        original_render = prompt.render

        def timed_render():  # noqa: ANN202 - wraps the widget's render
            out = original_render()
            if prompt.text not in shown and completion_shown(prompt):
                shown[prompt.text] = time.perf_counter()
                if clock is not None:
                    clock.stamp("shown", prompt.text)
            return out

        prompt.render = timed_render  # type: ignore[method-assign]
        # Latency counts from the prompt receiving the key: Pilot's own press() waits for the
        # whole app to go idle first, which a real terminal's input never does.
        received: dict[str, float] = {}
        original_insert = prompt.insert

        def timed_insert(chars: str) -> None:
            original_insert(chars)
            received.setdefault(prompt.text, time.perf_counter())
            if clock is not None:
                clock.stamp("key", prompt.text)

        prompt.insert = timed_insert  # type: ignore[method-assign]
        if clock is not None:
            clock.patch(app)
        if long:
            corpus = app.playground._runs[app.playground.selected].trainer.corpus.text
            prompt.set_text((corpus * (long // len(corpus) + 1))[: long - 20].replace("\n", " "))
            await asyncio.sleep(2.0)  # its first pass, before the keystrokes are timed
        pasted = len(prompt.text)
        period = 0.05
        expected = [time.perf_counter() + period]

        def tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, now - expected[0]))
            expected[0] = now + period

        app.set_interval(period, tick)
        await asyncio.sleep(1.0)
        for i in range(keystrokes):
            ch = TYPED[i % len(TYPED)]
            if len(prompt.text) >= pasted + 20:
                while len(prompt.text) > pasted:
                    prompt.action_backspace()
                await asyncio.sleep(0.2)
            training.append(float(app.state == "running"))
            sent = time.perf_counter()
            await pilot.press(ch)
            text = prompt.text
            deadline = sent + 2.0
            while text not in shown and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            latencies.append(shown.get(text, deadline) - received.get(text, sent))
            timed.append(text)
            await asyncio.sleep(0.15)
        trainer = app.playground._runs[app.playground.selected].trainer
        while app.state == "running" and trainer.epoch < epochs:
            await asyncio.sleep(0.1)
        # Epoch 1 pays warm-up, as in the headless figure.
        rates.extend(e.chars_per_sec for e in trainer.history[1:])
        trained_s = sum(e.seconds for e in trainer.history)
        await pilot.press("f7")
    if give_way is not None:
        PromptFollower.give_way = give_way  # type: ignore[method-assign]
    textual.app.wait_for_idle = textual.pilot.wait_for_idle = wait_for_idle
    if clock is not None:
        for line in clock.report(timed):
            print(line)
    return {"rates": rates, "lateness": lateness, "latency": latencies, "training": training,
            "waited": [sum(waited)], "trained_s": [trained_s]}


def first_frame_seconds(runs: int) -> list[float]:
    if shutil.which("tmux") is None:
        return []
    out = []
    for i in range(runs):
        sock = f"rnnplay-bench-{os.getpid()}-{i}"
        env = f"RNNPLAY_CORPUS_DIR={os.environ.get('RNNPLAY_CORPUS_DIR', '')} TERM=xterm-256color"
        cmd = f"cd {REPO} && env {env} {sys.executable} -m rnnplay.cli"
        started = time.perf_counter()
        subprocess.run(
            [
                "tmux",
                "-L",
                sock,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "b",
                "-x",
                "120",
                "-y",
                "40",
                cmd,
            ],
            check=True,
        )
        try:
            while time.perf_counter() - started < 15:
                screen = subprocess.run(
                    ["tmux", "-L", sock, "capture-pane", "-p", "-t", "b"],
                    capture_output=True,
                    text=True,
                ).stdout
                if "setup" in screen and "prompt" in screen:
                    out.append(time.perf_counter() - started)
                    break
                time.sleep(0.01)
            subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "b", "C-q"])
            time.sleep(0.5)
        finally:
            subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--keys", type=int, default=80)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--views", action="store_true", help="with the views inside the model")
    parser.add_argument(
        "--marked", action="store_true",
        help=f"{MARKED} runs marked, the newest training: every marked run's completion",
    )
    parser.add_argument(
        "--long", type=int, default=0, metavar="N",
        help="paste N - 20 characters of the corpus into the prompt first, so that typing "
        "brings it to N (issue 21: 2000)",
    )
    parser.add_argument(
        "--view", choices=VIEWS, default=None,
        help="which view (implies --views; default: the first, the odds)",
    )
    parser.add_argument(
        "--stages", action="store_true",
        help="also print where each keystroke's time went (bench/ui_stages.py)",
    )
    parser.add_argument(
        "--settle", type=float, default=IDLE_WAIT_CAP_S, metavar="S",
        help="the pilot's wait for the app to settle after each key, at most S seconds (1: "
        "Textual's own, keys ~2 s apart beside a run training, as before 2026-12-07 22:00)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="GIL switch interval in seconds (default: what the app sets)",
    )
    args = parser.parse_args()
    if "RNNPLAY_CORPUS_DIR" not in os.environ and (REPO.parent / "shared/corpus").is_dir():
        os.environ["RNNPLAY_CORPUS_DIR"] = str(REPO.parent / "shared/corpus")
    torch.set_num_threads(1)
    from rnnplay.app_cmd import prepare_process

    prepare_process(1)  # as the app's launch does
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    headless = headless_chars_per_sec(args.epochs // 2)
    view = args.view or (VIEWS[0] if args.views else None)
    from tui.widgets.inside import VIEWS as PANE_VIEWS

    # F10 presses to reach the view: its place in the pane's own order
    presses = [v.name for v in PANE_VIEWS].index(view.replace("-", " ")) + 1 if view else 0
    ui = asyncio.run(
        app_session(
            args.epochs, args.keys, presses, args.marked, args.long,
            StageClock() if args.stages else None, args.settle,
        )
    )
    headless_after = headless_chars_per_sec(args.epochs // 2)
    base = statistics.mean([headless, headless_after])
    attached = statistics.mean(ui["rates"])  # type: ignore[arg-type]
    lat = [x * 1000 for x in ui["latency"]]  # type: ignore[union-attr]
    late = [x * 1000 for x in ui["lateness"]]  # type: ignore[union-attr]
    trained = int(sum(ui["training"]))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory():
        frames = first_frame_seconds(args.launches)
    views = f", views inside the model open ({view})" if view else ""
    what = "s of every marked run" if args.marked else ""
    if args.marked:
        views += f", {MARKED} runs marked (the newest training)"
    if args.long:
        views += f", {args.long} characters pasted into the prompt first"
    print(f"cpu cores: {os.cpu_count()}, torch threads 1, scratch on jaychou (10k chars){views}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"keystroke -> 50-char completion{what} rendered: p50 {pct(lat, 50):.1f} ms, "
        f"p99 {pct(lat, 99):.1f} ms, max {max(lat):.1f} ms (n={len(lat)}, "
        f"{trained} of them sent while the run trained)"
    )
    print(
        f"20 Hz timer lateness: p50 {pct(late, 50):.1f} ms, p99 {pct(late, 99):.1f} ms, "
        f"max {max(late):.1f} ms (n={len(late)})"
    )
    print(
        f"training: headless {base:,.0f} chars/s (before {headless:,.0f}, after "
        f"{headless_after:,.0f}), with UI {attached:,.0f} chars/s = {attached / base:.0%}"
    )
    waited = ui["waited"][0]  # type: ignore[index]
    print(
        f"training waited {waited * 1000:.0f} ms between batches for keystrokes' completions "
        f"({waited / max(ui['trained_s'][0], 1e-9):.1%} of its {ui['trained_s'][0]:.0f} s of "  # type: ignore[index]
        "batches; not in its chars/s)"
    )
    if os.environ.get("UI_LATENCY_SERIES"):
        print("latency series ms:", " ".join(f"{x:.0f}" for x in lat))
    if frames:
        print(
            "launch -> first frame (tmux 120x40): "
            + ", ".join(f"{f:.2f}s" for f in frames)
            + f" (median {statistics.median(frames):.2f}s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
