"""The layers stay apart: engine/ never imports textual, tui/ never does tensor math itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _loaded_after(imports: str, module: str) -> bool:
    code = f"import sys; {imports}; sys.exit({module!r} in sys.modules)"
    return subprocess.run([sys.executable, "-c", code]).returncode != 0


def test_engine_never_imports_textual() -> None:
    modules = ", ".join(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in sorted((ROOT / "engine").rglob("*.py"))
    )
    assert not _loaded_after(f"import {modules}", "textual")


def test_engine_top_level_holds_packages_only() -> None:
    modules = {p.name for p in (ROOT / "engine").glob("*.py")}
    assert modules == {"__init__.py"}, modules


def _imports(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# What engine/API.md promises a UI: the playground's facade, its records and the settings.
UI_API = {"engine.playground", "engine.playground.events", "engine.config"}


def test_the_app_imports_the_playground_api_and_nothing_below_it() -> None:
    # The app reaches torch only through engine/, and engine/ only through its API.
    for path in sorted((ROOT / "tui").rglob("*.py")):
        imports = _imports(path)
        found = {name for name in imports if name.split(".")[0] in ("torch", "numpy")}
        found |= {name for name in imports if name.startswith("engine") and name not in UI_API}
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


def test_no_module_in_tui_imports_the_app_back() -> None:
    for path in sorted((ROOT / "tui").rglob("*.py")):
        if path.name != "app.py":
            assert "tui.app" not in _imports(path), path.relative_to(ROOT)


def test_help_and_the_app_s_records_come_before_torch() -> None:
    # `rnnplay --help`, `rnnplay complete --help` and the app's first frame must not wait for
    # torch (~1 s, issue 21): the parser, the playground's plain records and the decoding
    # settings import none of it; torch loads when a command runs or the engine starts.
    for imports in (
        "from rnnplay.cli import build_parser; build_parser(['--help'])",
        "from rnnplay.cli import build_parser; build_parser(['complete', '--help'])",
        "import engine.playground",
        "from engine.playground import Action, Decoding, Grid, UnsavedPolicy, allowed",
        "import engine.playground.events",
        "import engine.generation.prompt_settings",
        "import tui.app",
        "import rnnplay.cli",
        # `make test` fetches or verifies the corpus in a process of its own each run
        "import engine.data.fetch_corpus",
    ):
        assert not _loaded_after(imports, "torch"), imports

