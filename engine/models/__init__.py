"""The character models and the autograd pieces that make them fast.

char_rnn.py (the book's from-scratch RNN and the nn.RNN/GRU/LSTM models, `build_model`),
recurrence.py (the tanh recurrence through time as one autograd Function), gated_recurrence.py
(the GRU and LSTM recurrences likewise), softmax_output.py (the output layer and cross-entropy
fused), memory_estimate.py (how much memory a model of a config needs, checked before building).
"""
