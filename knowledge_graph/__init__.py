"""Knowledge graph of documents, clauses, land-use classes, zones, indicators and rules (Cypher over Bolt)."""
