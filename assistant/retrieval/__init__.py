"""Hybrid retrieval: BM25 + vectors, reciprocal-rank fusion, preferences, access filter."""
