"""Turns in the order things were asked for, taken by threads that finish in any order.

New runs are built on threads of their own, several at once (a grid starts one per combination);
the one asked for first may take longest (a corpus to read, a bigger model). Each takes a ticket
when asked for and joins the registry on its turn, so runs get their ids, labels and places in
the order the user asked for them, whichever was built first.
"""

from __future__ import annotations

import threading


class Turns:
    def __init__(self, closing: threading.Event) -> None:
        self._cond = threading.Condition()
        self._closing = closing
        self._issued = 0  # tickets handed out
        self._turn = 0  # the ticket whose turn it is
        self._done: set[int] = set()  # tickets passed before their turn came

    def ticket(self) -> int:
        """A place in the line, taken when the request is made (on the asking thread)."""
        with self._cond:
            self._issued += 1
            return self._issued - 1

    def wait(self, ticket: int) -> None:
        """Until every earlier ticket has passed (or the playground closes)."""
        with self._cond:
            while self._turn < ticket and not self._closing.is_set():
                self._cond.wait(0.2)  # wakes to see closing: nobody notifies on it

    def passed(self, ticket: int) -> None:
        """This ticket's request has joined or was refused: the next one may go."""
        with self._cond:
            self._done.add(ticket)
            while self._turn in self._done:
                self._done.remove(self._turn)
                self._turn += 1
            self._cond.notify_all()
