"""The layers stay apart: engine/ never imports textual, tui/ never imports torch itself."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(imports: str, module: str) -> bool:
    code = f"import sys; {imports}; sys.exit({module!r} in sys.modules)"
    return subprocess.run([sys.executable, "-c", code]).returncode != 0


def test_engine_never_imports_textual() -> None:
    engine = ("import engine.train, engine.generate, engine.corpus, engine.device, "
              "engine.session")
    assert not _loaded_after(engine, "textual")


def test_the_app_leaves_tensors_to_the_engine() -> None:
    # The app reaches torch only through engine/ (tui/engine_port.py imports it lazily).
    app = "import tui.app, tui.completion, tui.trainer_driver, tui.sessions"
    assert not _loaded_after(app, "torch")
