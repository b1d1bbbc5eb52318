"""Benchmarks: the book's reference code (book.py), the CPU epoch-speed harness, the GPU check."""
