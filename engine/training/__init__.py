"""Training the book's way, one batch at a time, controllable from another thread.

trainer.py (the loop: minibatch, state, loss, backward, clip, step; perplexity per epoch),
controls.py (pause, resume, stop and commands from other threads, carried out between batches),
probes.py (held-out perplexity, gradient flow and sample predictions, called by the loop),
events.py (what a trainer reports and RunState), clipping.py (the book's global-norm clipping),
snapshots.py (the latest weights, published for readers on other threads), build.py (a new run's
trainer), device.py (which device a setting names), device_bench.py (a setup timed on every
device of the machine), overfitting.py (when held-out perplexity passes the uniform baseline).
A trainer's state to and from a session: engine/session/trainer_state.py.
"""
