"""rnnplay's engine: corpus, models, training, generation and sessions. Never imports textual."""
