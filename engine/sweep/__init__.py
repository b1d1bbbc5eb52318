"""Sweeps: many runs of the same Trainer on Ray Tune, ranked by held-out perplexity.

One idea per module: space.py (the settings swept: lists in the app's grid syntax and
distributions, checked by their declarations), plan.py (sweep.json: what a sweep was started
with, its schedule and its trials' resources, read back strictly by --resume), trainable.py (one
trial: the Trainer, a session file per epoch as its checkpoint), tuning.py (the Tuner: scheduler,
resources, cluster, resume, progress lines), resume.py (what an interrupted sweep has left, from
the folder's own files, never Tune's pickled state), summary.py (the rows, CSV and JSON lines,
best first), table.py (the results table printed at the end), folder.py (the sweep folder's
layout, and its trials best first for the app). Only trainable.py and tuning.py import Ray (an
optional extra: pip install -e '.[sweep]'); the app opens sweep folders without it.
"""
