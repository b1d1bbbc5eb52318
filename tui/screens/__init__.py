"""Modal screens: help and the learning-rate dialog."""
