"""Training the book's way, one batch at a time, controllable from another thread.

trainer.py (the loop: minibatch, state, loss, backward, clip, step; perplexity per epoch),
events.py (what a trainer reports and RunState), clipping.py (the book's global-norm clipping),
snapshots.py (the latest weights, published for readers on other threads), device.py (which
device a setting names), device_bench.py (a setup timed on every device of the machine).
"""
