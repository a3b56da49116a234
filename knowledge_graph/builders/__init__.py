"""Builders that turn ingested documents into knowledge-graph material (rules, links)."""
