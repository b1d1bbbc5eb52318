"""Keys and pastes handed on in order: a key a binding takes is done before the next goes on.

Textual (8.2.8) hands each key the app reads to the focused widget's queue at once, and runs the
widget's own key bindings (Backspace, the arrows, Enter in an Input, ...) only when the key has
bubbled back up to the app, queue by queue. Keys that come in one read (tmux and SSH send a
quick burst that way) are all in the widget's queue by then, so the characters typed after a
Backspace were inserted before it ran: "我想⌫你" became "我想" in place of "我你". Here the
keys after one that a binding may take wait until it has passed every queue on its way up (or
was stopped on one).

The same queue holds the keys typed before the core is up (the app opens it then).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# A key whose way up is cut (its widget closed under it) must not hold the keys after it for
# ever: past this, they go on as Textual would hand them.
STUCK_S = 1.0

Typed = events.Key | events.Paste


class KeyOrder:
    """Takes the app's keys and pastes as they come; `send` (the app's own handling: priority
    bindings, then on to the focused widget) gets each once the one before is done."""

    def __init__(self, app: App, send: Callable[[Typed], Awaitable[None]]) -> None:
        self._app = app
        self._send = send
        self._held: deque[Typed] = deque()
        self._open = False  # closed until the core is up
        # The key on its way up, by number (0: none): a late guard must not free a later one.
        self._in_flight = 0
        self._count = 0
        self._guard: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        """Keys not handed on yet."""
        return len(self._held)

    async def take(self, event: Typed) -> None:
        self._held.append(event)
        await self._hand_on()

    def open(self) -> None:
        """The app can take keys now: those held go on, after what the app has queued already
        (the focus the start-up set)."""
        self._open = True
        self._app.call_later(self._hand_on)

    async def _hand_on(self) -> None:
        while self._open and self._held and not self._in_flight:
            event = self._held.popleft()
            target = self._app.focused or self._app.screen  # where the app forwards it
            bound = self._bound(event)
            await self._send(event)
            if bound and event.is_forwarded:  # not taken by a priority binding on the way
                self._count += 1
                self._in_flight = self._count
                self._guard = asyncio.get_running_loop().call_later(
                    STUCK_S, self._app.call_later, self._done, self._count
                )
                self._after(target, event, self._count)

    def _bound(self, event: Typed) -> bool:
        """Whether a binding may take the key on its way up (what App._check_bindings looks
        at). Keys no binding takes (typed characters, pastes) are handled where they arrive, in
        the order they arrive: they need not wait for one another."""
        if not isinstance(event, events.Key):
            return False
        chain = self._app.screen._modal_binding_chain
        return any(event.key in bindings.key_to_bindings for _, bindings in chain)

    def _after(self, node: MessagePump, event: Typed, key: int) -> None:
        """Follow the key to `node`: it is in node's queue (or was stopped before it)."""
        if not node.call_later(self._passed, node, event, key):
            self._app.call_later(self._done, key)  # node is closing: the key goes no further

    async def _passed(self, node: MessagePump, event: Typed, key: int) -> None:
        """On `node`, once it has handled the key: the key is in its parent's queue by then if it
        bubbles on; past the app, it is done."""
        parent = node._parent
        # Textual stops a message it still hands to the parent that sent it (the app, for the
        # keys it posts itself): that one goes on.
        stopped = event._stop_propagation and event._sender is not parent
        if node is self._app:
            await self._done(key)
        elif parent is None or stopped:  # handled here (a typed character), or taken away
            self._app.call_later(self._done, key)
        else:
            self._after(parent, event, key)

    async def _done(self, key: int) -> None:
        if key != self._in_flight:
            return  # the guard of a key already done
        self._in_flight = 0
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        await self._hand_on()
