"""Spatial rules and checks: land-use classification, control lines, indicators."""
