"""Smoke tests in a real terminal: `rnnplay --train` under tmux at 120x40.

Textual draws on stderr, so neither stream is redirected. A private tmux socket keeps these
sessions away from anyone else's tmux server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.session import load_session

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")


def launch_command() -> list[str]:
    script = Path(sys.executable).parent / "rnnplay"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "rnnplay.cli"]


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"rnnplay-test-{os.getpid()}"
        self.session = "app"
        self.rc_file = tmp / "rc"
        self.save_dir = tmp / "saves"  # autosaves on quit land here, never in the checkout

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return out.stdout

    def start(self, args: list[str], size: tuple[int, int] = (120, 40)) -> None:
        width, height = (str(n) for n in size)
        env = {
            "RNNPLAY_CORPUS_DIR": os.environ["RNNPLAY_CORPUS_DIR"],
            "RNNPLAY_JAYCHOU_URL": os.environ.get("RNNPLAY_JAYCHOU_URL", ""),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "RNNPLAY_SAVE_DIR": str(self.save_dir),
        }
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        cmd = " ".join(shlex.quote(a) for a in launch_command() + args)
        shell = f"cd {shlex.quote(str(REPO))} && env {exports} {cmd}; echo $? > {self.rc_file}"
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            width,
            "-y",
            height,
            shell,
        )
        # A detached session may ignore -x/-y (default-size wins): size the window explicitly.
        self.tmux("set-option", "-t", self.session, "window-size", "manual")
        self.tmux("resize-window", "-t", self.session, "-x", width, "-y", height)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def wait_screen(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            match = re.search(pattern, text)
            if match:
                return match
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not on screen within {timeout}s:\n{text}")

    def wait_exit(self, timeout: float) -> tuple[float, str]:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.rc_file.exists() and self.rc_file.read_text().strip():
                return time.monotonic() - started, self.rc_file.read_text().strip()
            time.sleep(0.02)
        return time.monotonic() - started, "still running"

    def app_pid(self) -> int:
        shell_pid = self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip()
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", shell_pid], capture_output=True, text=True
        ).stdout.split()
        return int(children[0])

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.close()


def wait_training(tmux: Tmux) -> None:
    tmux.wait_screen(r"epoch [1-9]\d*/250", timeout=20)
    tmux.wait_screen(r"ppl \d+\.\d+", timeout=5)
    tmux.wait_screen(r"[\u2801-\u28ff]", timeout=5)  # a braille curve on the plot


def test_train_at_launch_shows_progress_completion_and_quits_fast(tmux: Tmux) -> None:
    started = time.monotonic()
    tmux.start(["--train"])
    wait_training(tmux)
    assert time.monotonic() - started < 20
    tmux.tmux("send-keys", "-t", tmux.session, "-l", "分开")
    # The greedy completion (CJK) follows the typed prefix on the prompt line.
    # Early on the model predicts only spaces; a busy machine needs a while to get past that.
    tmux.wait_screen(r"› 分开[^\n│]*[\u4e00-\u9fff]", timeout=30)
    assert len(tmux.screen().splitlines()) == 40
    tmux.tmux("send-keys", "-t", tmux.session, "C-q")
    seconds, rc = tmux.wait_exit(timeout=5)
    assert rc == "0" and seconds < 2.0, f"quit took {seconds:.2f}s (rc {rc})"
    # Quitting saved the unsaved progress, prompt included.
    (path,) = saved(tmux)
    session = load_session(path)
    assert session.epoch >= 1 and session.prompt == "分开"


def saved(tmux: Tmux) -> list[Path]:
    return sorted(tmux.save_dir.glob("*.rnnplay"))


@pytest.mark.long(15)  # mostly waiting on the app: started early, it overlaps the rest
def test_sigterm_and_sighup_autosave_and_end_the_app_cleanly(tmux: Tmux) -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        tmux.rc_file.unlink(missing_ok=True)
        before = saved(tmux)
        tmux.start(["--train"])
        tmux.wait_screen(r"epoch [1-9]\d*/250", timeout=20)
        os.kill(tmux.app_pid(), sig)
        seconds, rc = tmux.wait_exit(timeout=5)
        assert rc == "0" and seconds < 2.0, f"{sig.name}: {seconds:.2f}s (rc {rc})"
        tmux.tmux("kill-session", "-t", tmux.session)
        # An SSH drop (SIGHUP) or a kill (SIGTERM) saved the run before exiting.
        (path,) = set(saved(tmux)) - set(before)
        # (Possibly mid-epoch: the session holds the in-epoch cursor, so count steps.)
        assert load_session(path).state["step"] >= 1, sig.name

    # --load opens the last autosave: its epoch on the status line, ready to train on.
    tmux.rc_file.unlink(missing_ok=True)
    epoch = load_session(path).epoch
    tmux.start(["--load", str(path)])
    tmux.wait_screen(rf"loaded\s+epoch {epoch}/250", timeout=20)
    tmux.tmux("send-keys", "-t", tmux.session, "C-q")
    seconds, rc = tmux.wait_exit(timeout=5)
    assert rc == "0" and seconds < 2.0, f"quit after --load took {seconds:.2f}s (rc {rc})"
    assert len(saved(tmux)) == 2, "nothing new was trained: quitting must not save again"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its vanished parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.long(19)  # mostly waiting on the app: started early, it overlaps the rest
def test_a_vanished_terminal_still_autosaves_and_ends_the_process(tmux: Tmux) -> None:
    # An SSH drop closes the terminal itself: Textual's output thread dies on its next write,
    # and its shutdown used to hang on the full output queue (seen 3 times in 5 here).
    for attempt in range(3):
        tmux.start(["--train"])
        tmux.wait_screen(r"epoch [1-9]\d*/250", timeout=20)
        pid = tmux.app_pid()
        tmux.close()  # kills the tmux server: the pty goes away and the app gets SIGHUP
        deadline = time.monotonic() + 4
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"attempt {attempt}: the app outlived its terminal by 4 s")
        assert len(saved(tmux)) == attempt + 1
    assert all(load_session(path).state["step"] >= 1 for path in saved(tmux))


def test_at_80x24_train_edit_the_prompt_with_cursor_moves_and_quit(tmux: Tmux) -> None:
    tmux.start(["--train"], size=(80, 24))
    wait_training(tmux)
    screen = tmux.screen()
    assert len(screen.splitlines()) == 24
    assert "setup" not in screen, "below 100 columns the setup form waits behind F4"
    assert "^q Quit" in screen and "^o Load" in screen  # the footer fits 80 columns to its end
    # A pause between keys, as a person types: on a busy machine an escape sequence sent in
    # one burst with others can reach the app split.
    for keys in (["-l", "我想"], ["Home"], ["-l", "分开"], ["End"], ["BSpace"]):
        tmux.tmux("send-keys", "-t", tmux.session, *keys)
        time.sleep(0.3)
    # The text is now 分开我: typed at the start after Home, the last character deleted at End.
    tmux.wait_screen(r"› 分开我[^想]", timeout=10)
    tmux.tmux("send-keys", "-t", tmux.session, "C-q")
    seconds, rc = tmux.wait_exit(timeout=5)
    assert rc == "0", f"quit took {seconds:.2f}s (rc {rc})"
    (path,) = saved(tmux)
    assert load_session(path).prompt == "分开我"



def test_the_first_frame_comes_before_the_engine_and_keys_meanwhile_are_kept(tmux: Tmux) -> None:
    # Issue 21: the screen is drawn before torch is imported; text typed and F5 pressed while the
    # engine starts are held and applied once it is up, not lost (nor a crash on the missing core).
    tmux.start([])
    deadline = time.monotonic() + 30
    while "starting the engine" not in tmux.screen():
        assert time.monotonic() < deadline, tmux.screen()
        time.sleep(0.01)
    tmux.tmux("send-keys", "-t", tmux.session, "-l", "hello")
    tmux.tmux("send-keys", "-t", tmux.session, "F5")
    assert "starting the engine" in tmux.screen()  # the keys came before the engine was up
    tmux.wait_screen(r"running epoch", timeout=30)
    tmux.wait_screen(r"› hello", timeout=10)


def pane_flags(tmux: Tmux) -> tuple[str, bool]:
    """The pane's terminal settings (stty -a) and whether the app's screen is up (alternate)."""
    tty = tmux.tmux("display-message", "-p", "-t", tmux.session, "#{pane_tty}").strip()
    settings = subprocess.run(["stty", "-a", "-F", tty], capture_output=True, text=True).stdout
    alternate = tmux.tmux("display-message", "-p", "-t", tmux.session, "#{alternate_on}")
    return settings, alternate.strip() == "1"


def test_keys_typed_while_the_app_loads_are_neither_echoed_nor_lost(tmux: Tmux) -> None:
    # The terminal echoed them raw ("分开^[[15~") above the app and again after it, and took
    # Backspace for its own line editing, until Textual's raw mode, after its slow import.
    tmux.start([])
    deadline = time.monotonic() + 30
    while "-echo " not in (flags := pane_flags(tmux))[0]:
        assert time.monotonic() < deadline, flags
        time.sleep(0.005)
    assert not flags[1], "echo went off only with Textual's screen: keys before it were echoed"
    assert "-icanon" in flags[0]
    for keys in (["-l", "分开"], ["BSpace"], ["-l", "手"]):
        tmux.tmux("send-keys", "-t", tmux.session, *keys)
    assert "分" not in tmux.screen()  # not echoed (the prompt takes them once the core is up)
    tmux.wait_screen(r"› 分手", timeout=60)


def test_the_first_frame_says_the_engine_is_starting(tmux: Tmux) -> None:
    # It showed empty numbers ("ppl - · 0 chars/s") until the core was nearly up.
    tmux.start([])
    deadline = time.monotonic() + 30
    while "F5 starts training" not in (first := tmux.screen()):  # the status line is drawn
        assert time.monotonic() < deadline, first
        time.sleep(0.005)
    assert "starting the engine" in first and "chars/s" not in first, first


def test_a_burst_with_backspaces_edits_in_the_order_typed(tmux: Tmux) -> None:
    # One send-keys: the app reads the keys in one burst, as from a quick typist over SSH.
    # Textual ran Backspace after the characters behind it ("我想你" in place of "我你爱").
    tmux.start([])
    tmux.wait_screen(r"F5 starts training", timeout=60)
    tmux.wait_screen(r"no run yet", timeout=60)  # the core is up: keys are no longer held
    tmux.tmux("send-keys", "-t", tmux.session, "-l", "我想\x7f你的\x7f爱")
    tmux.wait_screen(r"› 我你爱 ", timeout=20)
