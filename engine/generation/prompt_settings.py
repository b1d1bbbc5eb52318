"""How the app's prompt completes: its decoding (temperature, top-k, seed...) and the length of
its completion. A session keeps them beside the prompt's text, so a loaded run completes the
way it did when it was saved."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from engine.config import ConfigError
from engine.generation.decoding import MAX_CHARS, Decoding


@dataclass(frozen=True)
class PromptSettings:
    decoding: Decoding
    length: int  # characters of completion, 0 to MAX_CHARS

    def __post_init__(self) -> None:
        if type(self.length) is not int or not 0 <= self.length <= MAX_CHARS:
            raise ConfigError(
                f"the completion length must be a whole number from 0 to {MAX_CHARS}, "
                f"not {self.length!r}",
                "length",
            )

    def to_json(self) -> dict[str, Any]:
        return {"decoding": asdict(self.decoding), "length": self.length}

    @classmethod
    def from_json(cls, value: Any) -> PromptSettings:
        """Settings as to_json wrote them; ConfigError naming what is wrong. A decoding field
        a file leaves out takes its default (files from before it existed)."""
        if not (isinstance(value, dict) and set(value) == {"decoding", "length"}):
            raise ConfigError("must be an object with decoding and length")
        decoding = value["decoding"]
        known = {f.name for f in fields(Decoding)}
        if not (isinstance(decoding, dict) and set(decoding) <= known):
            raise ConfigError(f"decoding must be an object with fields among {sorted(known)}")
        return cls(Decoding(**decoding), value["length"])
