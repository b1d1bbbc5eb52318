"""Messages a tester's student puzzled over, as the command line gives them: a refused learning
rate says the bound only when it is the problem, and a file or folder that is no session says
what a session file is."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_main


def test_a_negative_lr_is_refused_without_float32s_bound(capsys: pytest.CaptureFixture[str]):
    # It read "learning rate must be a positive number (at most 3.4e+38), not -5.0".
    code, _, err = run_main(capsys, "train", "--lr", "-5")
    assert code == 2 and "learning rate must be a positive number, not -5\n" in err, err
    assert "at most" not in err and "-5.0" not in err and "e+38" not in err, err


def test_a_too_large_lr_says_the_bound_plainly(capsys: pytest.CaptureFixture[str]):
    code, _, err = run_main(capsys, "train", "--lr", "1e39")
    assert code == 2 and "learning rate must be at most about 3.4 × 10^38, not 1e+39" in err, err
    assert "positive" not in err, err


@pytest.mark.parametrize("text", ["我\nab\n", "我", "hello world\n"])
def test_a_short_text_file_is_said_to_be_no_session(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
):
    # A 7-byte notes.txt was "truncated: only 7 bytes, too short for a header".
    notes = tmp_path / "notes.txt"
    notes.write_text(text, encoding="utf-8")
    code, _, err = run_main(capsys, "complete", str(notes), "我")
    assert code == 1 and "not an rnnplay session file" in err, err
    assert "rnnplay train --save" in err and "truncated" not in err, err


def test_a_folder_is_said_to_be_one_and_what_to_give_instead(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    # It printed the bare "Is a directory".
    code, _, err = run_main(capsys, "complete", str(tmp_path), "我")
    assert code == 1 and "Is a directory" not in err, err
    assert f"{tmp_path}: it is a folder, not a session file: give a .rnnplay file" in err, err
    assert "rnnplay --load FOLDER" in err, err
