"""Generation: the book's predict, and an incremental completer for a prompt pane.

The completer keeps the hidden state after every character typed so far, so a keystroke costs
one model step and a backspace costs nothing; the completion is then decoded greedily (argmax,
the default) or sampled (engine.generation.decoding). Characters the vocabulary lacks are skipped
(the state is carried over unchanged) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.data.vocab import Vocab
from engine.generation.decoding import MAX_CHARS, Decoding
from engine.models.char_rnn import CharRNN, State

GREEDY = Decoding()


@dataclass(frozen=True)
class _Step:
    """A character a greedy completion chose, and the state and logits after feeding it."""

    x: torch.Tensor  # (1,) its index
    state: State | None
    logits: torch.Tensor | None


class Completer:
    def __init__(self, model: CharRNN, vocab: Vocab, device: torch.device | str = "cpu") -> None:
        self.model, self.vocab, self.device = model, vocab, torch.device(device)
        self.text = ""
        self.warmup = ""  # training text read before the text (warm_up); "" starts from zeros
        # _stack[i] is (state, logits) after the first i characters; logits is None until a
        # known character has been fed, since there is nothing to predict from.
        self._stack: list[tuple[State, torch.Tensor | None]] = [(self._start(), None)]
        # The last greedy completion from the top of the stack, a step per character: what it
        # chose, and the state and logits feeding that character led to (None for its last,
        # never fed). Typing the character the model predicted moves along it (push): the next
        # completion reuses every step but one, exactly as computed, instead of 50 new ones.
        self._ahead: list[_Step] = []
        # The last completion's steps (greedy or sampled) and the state they started from: the
        # hidden-unit view reads its states from them (completed_states) instead of a new pass.
        self._rolled: tuple[State | None, list[_Step]] = (None, [])

    @property
    def start_state(self) -> State:
        """The state the text is read from: zeros, or the warm-up's."""
        return self._stack[0][0]

    def _start(self) -> State:
        state = self.model.begin_state(1, self.device)
        ids = [self.vocab.char_to_idx[ch] for ch in self.warmup if ch in self.vocab]
        if ids:  # one pass over the whole stretch, not a step per character
            with torch.inference_mode():
                X = torch.tensor([ids], device=self.device)
                state = self.model.final_state(X, state)
        return state

    def warm_up(self, text: str) -> None:
        """Read `text` (training text) before the text from now on, instead of starting from a
        zero state; "" goes back to zeros. The text so far is replayed from the new start.
        Nothing is predicted from the warm-up alone: the text's first known character is."""
        if text == self.warmup:
            return
        self.warmup = text
        typed, self.text = self.text, ""
        self._stack, self._ahead = [(self._start(), None)], []
        for ch in typed:
            self.push(ch)

    @property
    def unknown(self) -> list[str]:
        """Characters of the text that the model cannot read, in order of appearance."""
        return [ch for ch in self.text if ch not in self.vocab]

    def set_text(self, text: str) -> None:
        """Move to `text`, re-using the states of the prefix it shares with the current text."""
        common = 0
        for a, b in zip(self.text, text, strict=False):
            if a != b:
                break
            common += 1
        while len(self.text) > common:
            self.pop()
        for ch in text[common:]:
            self.push(ch)

    def state_after(self, n: int) -> State:
        """The state after the text's first n characters (the zero state for n = 0)."""
        return self._stack[n][0]

    def push(self, ch: str) -> None:
        state, logits = self._stack[-1]
        if ch in self.vocab:  # (an unknown one leaves the state, and what lies ahead, as it was)
            index = self.vocab.char_to_idx[ch]
            ahead = self._ahead[0] if self._ahead else None
            if ahead is not None and ahead.state is not None and int(ahead.x) == index:
                # The character the last completion chose first: the step it took is this one.
                state, logits, self._ahead = ahead.state, ahead.logits, self._ahead[1:]
            else:
                x = torch.tensor([index], device=self.device)
                with torch.inference_mode():
                    logits, state = self.model.step(x, state)
                self._ahead = []
        self._stack.append((state, logits))
        self.text += ch

    def pop(self) -> None:
        if self.text:
            self._stack.pop()
            self.text = self.text[:-1]
            self._ahead = []

    def complete(self, n: int, decoding: Decoding = GREEDY) -> str:
        """The next n characters from the current state; '' before any known char."""
        chosen, _ = self._roll(n, decoding)
        return self.vocab.decode(chosen.tolist()) if chosen is not None else ""

    def complete_with_probs(
        self, n: int, decoding: Decoding = GREEDY
    ) -> tuple[str, list[float]]:
        """The next n characters, and the probability the model gave each one (its softmax at
        temperature 1 over all characters, whatever the decoding drew from). ('', []) before any
        known character. A fresh generator per call: a seeded decoding repeats itself."""
        chosen, seen = self._roll(n, decoding)
        if chosen is None:
            return "", []
        with torch.inference_mode():
            # One pass over all steps at the end rather than one per step, and only the chosen
            # character's share of each: p_y = exp(o_y - logsumexp(o)), in float64 so that a
            # small probability keeps its digits (the whole softmax of n x V took 4x as long).
            logits = torch.cat(seen).double()
            picked = logits.gather(1, chosen.unsqueeze(1)).squeeze(1)
            probs = (picked - logits.logsumexp(dim=-1)).exp()
        return self.vocab.decode(chosen.tolist()), probs.tolist()

    def _roll(
        self, n: int, decoding: Decoding
    ) -> tuple[torch.Tensor | None, list[torch.Tensor]]:
        """The n characters' indices decoded from the current state (None before any known
        character or for n = 0), and the logits each was chosen from."""
        if type(n) is not int or not 0 <= n <= MAX_CHARS:
            raise ValueError(f"a completion is 0 to {MAX_CHARS} characters, not {n!r}")
        decoding.check_vocab(len(self.vocab))
        state, logits = self._stack[-1]
        self._rolled = (state, [])
        if logits is None or n == 0:
            return None, []
        generator = decoding.generator()
        # Greedy decoding from the same state chooses the same characters: the steps of the last
        # completion that still lie ahead are taken as they were (a sampled one draws anew).
        ahead = self._ahead if decoding.greedy else []
        out: list[torch.Tensor] = []
        seen: list[torch.Tensor] = []
        steps: list[_Step] = []
        with torch.inference_mode():
            for i in range(n):
                known = ahead[i] if i < len(ahead) else None
                x = known.x if known is not None else decoding.pick(logits, generator)
                out.append(x)
                seen.append(logits)
                if i + 1 == n:  # the last character is never fed back, as in the book
                    steps.append(_Step(x, None, None))
                    break
                if known is not None and known.state is not None:
                    state, logits = known.state, known.logits
                else:
                    logits, state = self.model.step(x, state)
                steps.append(_Step(x, state, logits))
        self._ahead = steps if decoding.greedy else []
        self._rolled = (self._stack[-1][0], steps)
        return torch.cat(out), seen

    def completed_states(self) -> list[State]:
        """The state after each character of the last completion from the current text, as
        feeding them one by one would leave it (its last character is fed here: a completion
        never feeds it); [] when that completion was empty or the text has moved since."""
        begun, steps = self._rolled
        if not steps or begun is not self._stack[-1][0]:
            return []
        before = steps[-2].state if len(steps) > 1 else begun
        with torch.inference_mode():
            _, last = self.model.step(steps[-1].x, before)
        return [step.state for step in steps[:-1]] + [last]

    @property
    def next_logits(self) -> torch.Tensor | None:
        """The model's output after the current text, (1, V); None before any known character."""
        return self._stack[-1][1]

    def next_char_probs(self, k: int) -> list[tuple[str, float]]:
        """The k likeliest next characters after the current text (all of them when the
        vocabulary has fewer), with the model's probabilities, likeliest first; [] before any
        known character."""
        if type(k) is not int or k < 1:
            raise ValueError(f"the number of next characters must be 1 or more, not {k!r}")
        logits = self._stack[-1][1]
        if logits is None:
            return []
        with torch.inference_mode():
            probs = torch.softmax(logits[0].double(), dim=0)
            probs, index = probs.topk(min(k, len(self.vocab)))
        return list(zip(self.vocab.decode(index.tolist()), probs.tolist(), strict=True))

    def load_weights(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Adopt new weights and replay the text under them."""
        self.model.load_state_dict(state_dict)
        text, self.text = self.text, ""
        self._stack, self._ahead = [(self._start(), None)], []
        for ch in text:
            self.push(ch)


def predict(
    model: CharRNN, vocab: Vocab, prefix: str, num_chars: int, device: torch.device | str = "cpu"
) -> str:
    """The book's predict_rnn: feed the prefix, then append num_chars greedy characters."""
    completer = Completer(model, vocab, device)
    completer.set_text(prefix)
    return prefix + completer.complete(num_chars)
