"""Coordinate reference systems: parsing, China's extent, and where areas are measured.

Geometries are stored in CGCS2000 lon/lat (EPSG:4490). Areas are measured in the
CGCS2000 3-degree Gauss-Kruger zone whose central meridian is nearest to the
geometry (EPSG:4534 = CM 75E … EPSG:4554 = CM 135E); a geometry wider than
:data:`MAX_GK_SPAN_DEG` in longitude is measured in an Albers equal-area
projection centred on it instead, so the error against the geodesic area stays
under 0.1 % (area scale error at 1.5° from the central meridian is about 0.06 % at
18N; the worst case tested, a polygon 3° wide straddling a zone border at 18N, is 0.083 %).

Examples
--------
>>> gk_epsg_for_lon(116.18)
4548
>>> gk_epsg_for_lon(75.0), gk_epsg_for_lon(135.0)
(4534, 4554)
>>> parse_crs("EPSG:4490").to_epsg()
4490
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError as _ProjCRSError
from shapely.geometry.base import BaseGeometry

from spatial.errors import CRSError, ExtentError

STORAGE_EPSG = 4490
# Land and sea of China, generous by a few tenths of a degree: lon 73.4–135.1E, lat 3.8–53.6N.
CHINA_LON = (73.0, 135.5)
CHINA_LAT = (3.5, 54.0)
MAX_GK_SPAN_DEG = 3.0


def parse_crs(value: object) -> pyproj.CRS:
    """A :class:`pyproj.CRS` from ``"EPSG:4490"``, ``4490``, an OGC URN or WKT.

    Raises
    ------
    CRSError
        With the value and a hint, if PROJ does not know it.
    """
    if value is None or value == "":
        return _crs(STORAGE_EPSG)
    try:
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return _crs(int(value))
        return pyproj.CRS.from_user_input(value)
    except (_ProjCRSError, TypeError, ValueError):
        raise CRSError(
            f"unknown CRS {value!r}; give an EPSG code such as \"EPSG:4490\" (CGCS2000 lon/lat) "
            "or \"EPSG:4548\" (CGCS2000 3-degree Gauss-Kruger CM 117E)") from None


@lru_cache(maxsize=64)
def _crs(epsg: int) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_epsg(epsg)
    except _ProjCRSError:
        raise CRSError(f"unknown CRS EPSG:{epsg}; give an EPSG code PROJ knows, e.g. EPSG:4490") from None


def is_storage_crs(crs: pyproj.CRS) -> bool:
    """True for CGCS2000 or WGS 84 lon/lat, which differ by centimetres and need no transform."""
    return crs.to_epsg() in (4490, 4326)


@lru_cache(maxsize=128)
def transformer(src: str, dst: str) -> pyproj.Transformer:
    """A cached, always-lon/lat-first transformer between two CRS given as strings."""
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(src), pyproj.CRS.from_user_input(dst),
                                       always_xy=True)


def transform(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """``geom`` reprojected from ``src`` to ``dst`` (CRS strings such as ``"EPSG:4548"``)."""
    if src == dst:
        return geom
    t = transformer(src, dst)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def transform_many(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Vectorised :func:`transform` over an array of geometries (one PROJ call)."""
    if src == dst or len(geoms) == 0:
        return geoms
    t = transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def gk_epsg_for_lon(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) nearest ``lon``."""
    cm = min(max(round(lon / 3.0) * 3, 75), 135)
    return 4534 + (cm - 75) // 3


def area_crs_for(geom: BaseGeometry) -> str:
    """The CRS, as a string for :func:`transform`, in which to measure ``geom``'s area.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> area_crs_for(box(116.1, 23.7, 116.2, 23.8))
    'EPSG:4548'
    >>> area_crs_for(box(100, 30, 110, 35)).startswith("+proj=aea")
    True
    """
    minx, miny, maxx, maxy = geom.bounds
    if maxx - minx <= MAX_GK_SPAN_DEG:
        return f"EPSG:{gk_epsg_for_lon((minx + maxx) / 2)}"
    return albers_for(minx, miny, maxx, maxy)


def albers_for(minx: float, miny: float, maxx: float, maxy: float) -> str:
    """An Albers equal-area projection on the CGCS2000 ellipsoid fitted to a lon/lat box."""
    lat1 = miny + (maxy - miny) / 6
    lat2 = maxy - (maxy - miny) / 6
    if abs(lat2 - lat1) < 1e-6:
        lat2 = lat1 + 1
    return (f"+proj=aea +lat_1={lat1:.6f} +lat_2={lat2:.6f} +lat_0={(miny + maxy) / 2:.6f} "
            f"+lon_0={(minx + maxx) / 2:.6f} +ellps=GRS80 +units=m +no_defs")


def area_m2(geom: BaseGeometry, crs: str | None = None) -> float:
    """Area of a lon/lat (EPSG:4490) geometry in square metres, measured in ``crs``
    (default: :func:`area_crs_for` the geometry itself)."""
    if geom.is_empty:
        return 0.0
    target = crs or area_crs_for(geom)
    return float(transform(geom, f"EPSG:{STORAGE_EPSG}", target).area)


def check_extent(geom: BaseGeometry, what: str = "geometry") -> None:
    """Raise :class:`ExtentError` unless ``geom`` lies within China's extent (lon/lat).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> check_extent(box(116.1, 23.7, 116.2, 23.8))
    >>> check_extent(box(23.7, 116.1, 23.8, 116.2))
    Traceback (most recent call last):
    ...
    spatial.errors.ExtentError: geometry coordinates (23.7..23.8, 116.1..116.2) are outside China's extent (lon 73.0..135.5, lat 3.5..54.0); lon and lat look swapped: give [lon, lat] pairs
    """
    minx, miny, maxx, maxy = geom.bounds
    inside = CHINA_LON[0] <= minx and maxx <= CHINA_LON[1] and CHINA_LAT[0] <= miny and maxy <= CHINA_LAT[1]
    if inside:
        return
    swapped = (CHINA_LON[0] <= miny and maxy <= CHINA_LON[1] and CHINA_LAT[0] <= minx and maxx <= CHINA_LAT[1])
    hint = ("lon and lat look swapped: give [lon, lat] pairs" if swapped else
            "projected metres given without their CRS? set \"crs\" (e.g. \"EPSG:4548\")"
            if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) > 1000 else
            "check the coordinates and the CRS")
    raise ExtentError(
        f"{what} coordinates ({_r(minx)}..{_r(maxx)}, {_r(miny)}..{_r(maxy)}) are outside China's extent "
        f"(lon {CHINA_LON[0]}..{CHINA_LON[1]}, lat {CHINA_LAT[0]}..{CHINA_LAT[1]}); {hint}")


def _r(v: float) -> str:
    return f"{v:.6g}"
