"""The text a model learns from, and how it is cut into minibatches.

corpus.py (a Corpus: its text, vocabulary and indices; loading a named corpus or a file), vocab.py
(characters <-> ids, in an order the text alone fixes), hosted.py (the book's corpora: kept in the
corpus folder, fetched once, verified by SHA-1), pysrc.py (Python source from the standard library),
errors.py (CorpusError, which every source raises), text_file.py (reading a user's text file:
regular files only, BOM-named encodings, a size cap), download.py (one file over HTTP(S), checked by
SHA-1 and written whole), fetch_corpus.py (`python -m engine.data.fetch_corpus`, what `make corpus`
runs), sampling.py (the book's random and consecutive minibatches as tables of start offsets),
validation.py (the held-out characters and perplexity on them), atomic_write.py (a file replaced
whole or not at all: downloads and session saves).
"""
