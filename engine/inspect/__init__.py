"""What a model holds and looks at, for the views inside the model and `rnnplay inspect`.

inspection.py (the odds of the next character and the views together: `inspect_prompt`),
hidden_units.py (hidden units per character and their rankings; rankings.py names them,
without torch, for a UI's first frame), saliency.py (how much the next
prediction depends on each earlier character), grad_flow.py (|dl_T/dH_t| back through time),
step.py (the model's shapes and one time step term by term: the model view).
"""
