"""Errors raised while reading and ingesting documents.

Every error carries a one-line, user-facing reason; the CLI prints it and
exits with code 2, the API maps it to a 4xx response.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class: a document could not be ingested."""


class UnsupportedFormatError(IngestError):
    """The file type is not one we can read."""


class EncryptedDocumentError(IngestError):
    """The file is encrypted or password protected."""


class EmptyDocumentError(IngestError):
    """The file holds no extractable text."""


class CorruptDocumentError(IngestError):
    """The file is damaged or not what its extension claims."""


class WorkspaceBusyError(RuntimeError):
    """Another process holds the embedded vector store of this workspace."""
