"""Errors of the spatial engine, rooted in one class.

Every message is one line that says what is wrong and how to fix it; the CLI
prints it and exits with code 2, the API returns it in a 4xx JSON body.

Examples
--------
>>> issubclass(ProjectError, SpatialError) and issubclass(LayerError, SpatialError)
True
>>> str(ExtentError("coordinates (23.7, 116.2) are outside China"))
'coordinates (23.7, 116.2) are outside China'
"""

from __future__ import annotations


class SpatialError(ValueError):
    """Base class: bad spatial input or configuration."""


class ProjectError(SpatialError):
    """The project application is malformed (JSON, fields, values)."""


class GeometryError(ProjectError):
    """A geometry is missing, empty or not a polygon."""


class ExtentError(GeometryError):
    """Coordinates fall outside China's extent (often swapped lon/lat)."""


class CRSError(SpatialError):
    """A coordinate reference system is unknown or unusable."""


class LayerError(SpatialError):
    """A layer file or layer kind cannot be imported."""


class UnknownLayerKind(LayerError):
    """The layer kind is not one of :class:`spatial.kinds.LayerKind`."""


class LayerFormatError(LayerError):
    """The file is not a readable GeoJSON, Shapefile or GeoPackage."""


class MissingAttributeError(LayerError):
    """Features lack attributes their layer kind requires."""


class RulesError(SpatialError):
    """A rules table is malformed."""


class BackendError(SpatialError):
    """The layer backend (e.g. PostGIS) is unreachable or misconfigured."""


class LayerNotLoaded(SpatialError):
    """A check needs a layer kind that has not been imported."""
