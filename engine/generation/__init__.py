"""Text from a model: the book's greedy prediction, sampling, and the app's live prompt.

decoding.py (greedy, temperature and top-k as one Decoding), generate.py (`Completer`, which
advances the state one character at a time, and the book's `predict`), prompt_follower.py (the
prompt's completion thread, following the selected run's latest weights), completion.py (the
record it reports).
"""
