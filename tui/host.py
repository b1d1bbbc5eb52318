"""What the app's helpers (tui/training.py, sessions.py, removing.py, quitting.py) use of the
app: the core, the main screen and Textual's toasts, dialogs and exit. Typed here so that no
module below the app imports it back (tests/test_layering.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.main_screen import MainScreen

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import Playground


class Host(Protocol):
    playground: Playground
    main: MainScreen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], Any] | None = None,
                    ) -> Any: ...  # fmt: skip

    def call_later(self, callback: Callable[..., Any], *args: Any) -> bool: ...

    def exit(self, result: Any = None) -> None: ...
