"""Document ingest: readers, structure-aware Chinese chunking and indexing."""
