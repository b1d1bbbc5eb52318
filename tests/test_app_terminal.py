"""The launcher holds the terminal quiet from its first moment (Textual, then the first frame,
take a while to load): keys typed meanwhile are neither echoed nor edited by the terminal, and
wait for the app as typed; the terminal is put back as it was once the app ends."""

from __future__ import annotations

import os
import sys
import termios

from rnnplay import app_cmd


def test_keys_typed_while_loading_wait_as_typed_and_the_terminal_is_put_back(monkeypatch):
    leader, follower = os.openpty()
    with os.fdopen(follower, "r") as tty:
        monkeypatch.setattr(sys, "stdin", tty)
        before = termios.tcgetattr(follower)
        restore = app_cmd.hold_keys()
        held = termios.tcgetattr(follower)
        assert not held[3] & (termios.ECHO | termios.ICANON)
        assert held[3] & termios.ISIG, "ctrl+c still interrupts the load"
        typed = "分开\x7f\r".encode()  # Backspace and Enter are the app's keys, not line editing
        os.write(leader, typed)
        assert os.read(follower, 64) == typed
        restore()
        assert termios.tcgetattr(follower) == before
    os.close(leader)


def test_without_a_terminal_nothing_is_held(monkeypatch):
    read, write = os.pipe()
    with os.fdopen(read, "r") as pipe:
        monkeypatch.setattr(sys, "stdin", pipe)
        app_cmd.hold_keys()()
    os.close(write)
