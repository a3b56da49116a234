"""``onemap review``: placeholder, being built (issue 6).

Imported by :mod:`assistant.cli` at its end, which registers the command on its app.
"""

from __future__ import annotations
