"""The prompt's text and cursor, and the edits the prompt's keys make, as plain values.

Each edit returns the text as it is afterwards; the widget (tui/widgets/prompt.py) asks the core
for a completion when the text changed and only repaints when just the cursor moved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# A pasted book chapter would cost a model step per character on every weights reload.
MAX_PROMPT_CHARS = 2000


@dataclass(frozen=True)
class PromptText:
    text: str = ""
    cursor: int = 0  # insertion point, 0..len(text)

    def inserted(self, chars: str, line_breaks: bool = False) -> tuple[PromptText, str]:
        """`chars` inserted at the cursor, and a note when some did not fit. The corpora keep no
        tabs: they become spaces. A line break (CR LF, CR or LF, as pasted) stays one LF with
        `line_breaks` (the model's vocabulary holds it), else it becomes a space too, and the
        note says so."""
        chars = chars.replace("\r\n", "\n").replace("\r", "\n")
        chars = "".join(c for c in chars if c.isprintable() or c in "\t\n")
        notes = []
        if not line_breaks and "\n" in chars:  # said, as a character the model lacks would be
            notes.append("no line breaks: this run's vocabulary has none (they became spaces)")
        chars = chars.translate({ord("\t"): " ", **({} if line_breaks else {ord("\n"): " "})})
        room = MAX_PROMPT_CHARS - len(self.text)
        if len(chars) > room:
            notes.append(f"the prompt holds at most {MAX_PROMPT_CHARS} characters")
            chars = chars[: max(0, room)]
        note = "; ".join(notes)
        text = self.text[: self.cursor] + chars + self.text[self.cursor :]
        return PromptText(text, self.cursor + len(chars)), note

    def backspaced(self) -> PromptText:
        if self.cursor == 0:
            return self
        return PromptText(self.text[: self.cursor - 1] + self.text[self.cursor :], self.cursor - 1)

    def deleted(self) -> PromptText:
        return replace(self, text=self.text[: self.cursor] + self.text[self.cursor + 1 :])

    def word_deleted(self) -> PromptText:
        """The word before the cursor (and the spaces after it) deleted, as shells do."""
        start = self.cursor
        while start > 0 and self.text[start - 1] == " ":
            start -= 1
        while start > 0 and self.text[start - 1] != " ":
            start -= 1
        return PromptText(self.text[:start] + self.text[self.cursor :], start)

    def moved(self, step: int) -> PromptText:
        return replace(self, cursor=min(len(self.text), max(0, self.cursor + step)))

    def moved_to(self, where: int) -> PromptText:
        """The cursor at the end (where < 0) or the start."""
        return replace(self, cursor=len(self.text) if where < 0 else 0)
