"""Reading layer files (spatial.layers) and measuring them (spatial.crs), on real files."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from spatial import crs
from spatial.errors import CRSError, ExtentError, LayerFormatError, MissingAttributeError, UnknownLayerKind
from spatial.kinds import LayerKind
from spatial.layers import layer_from_geometries, read_layer

PBF = LayerKind.PERMANENT_BASIC_FARMLAND
ECR = LayerKind.ECOLOGICAL_PROTECTION_REDLINE
PARCELS = LayerKind.REGULATORY_PARCELS

X0, Y0 = 116.10, 23.70
SQUARE = box(X0, Y0, X0 + 0.02, Y0 + 0.02)
GEOD = pyproj.Geod(ellps="GRS80")  # CGCS2000 uses the GRS80 ellipsoid (its flattening differs by ~1e-11)

PARCEL_ROW = {"parcel_id": "P1", "unit_id": "U1", "land_use": 70102, "land_use_name": "二类城镇住宅用地",
              "far_max": 2.5, "far_min": 1.0, "density_max": 25.0, "height_max": 54.0, "green_min": 35.0}


def geojson(path: Path, features: list[tuple[Any, dict[str, Any]]], crs_name: str | None = None) -> Path:
    obj: dict[str, Any] = {"type": "FeatureCollection"}
    if crs_name is not None:
        obj["crs"] = {"type": "name", "properties": {"name": crs_name}}
    obj["features"] = [{"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
                       for geom, props in features]
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def write_vector(gdf: gpd.GeoDataFrame, path: Path, **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # Shapefile field names are cut to 10 characters, with a warning
        warnings.simplefilter("ignore")
        gdf.to_file(path, engine="pyogrio", **kwargs)
    return path


def parcels_gdf(crs_name: str = "EPSG:4490") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([PARCEL_ROW, {**PARCEL_ROW, "parcel_id": "P2", "land_use": 901, "land_use_name": "商业用地"}],
                            geometry=[SQUARE, box(X0 + 0.02, Y0, X0 + 0.04, Y0 + 0.02)], crs=crs_name)


def to_epsg(geom: Any, epsg: int) -> Any:
    t = pyproj.Transformer.from_crs(4490, epsg, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def geodesic_m2(geom: Any) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


# --------------------------------------------------------------------------- GeoJSON and CRS


def test_geojson_without_crs_member_is_cgcs2000(tmp_path: Path) -> None:
    layer = read_layer("permanent_basic_farmland", geojson(tmp_path / "pbf.geojson", [(SQUARE, {"pbf_id": "PBF-1"})]))
    assert layer.kind is PBF and layer.fids == ["PBF-1"]
    assert layer.source_crs == "EPSG:4490"
    assert layer.geoms[0].equals(SQUARE)
    assert layer.invalid == [None]
    assert layer.areas[0] == pytest.approx(crs.area_m2(SQUARE))
    assert layer.sha256 and len(layer.sha256) == 64


def test_geojson_with_crs_member(tmp_path: Path) -> None:
    path = geojson(tmp_path / "pbf.geojson", [(SQUARE, {"pbf_id": "PBF-1"})], "urn:ogc:def:crs:EPSG::4490")
    layer = read_layer(PBF, path)
    assert layer.source_crs == "EPSG:4490"
    assert layer.geoms[0].equals(SQUARE)


def test_geojson_in_gauss_kruger_metres_is_transformed(tmp_path: Path) -> None:
    projected = to_epsg(SQUARE, 4548)
    assert projected.bounds[0] > 1e5  # metres, not degrees
    path = geojson(tmp_path / "pbf.geojson", [(projected, {"pbf_id": "PBF-1"})], "urn:ogc:def:crs:EPSG::4548")
    layer = read_layer(PBF, path)
    assert layer.source_crs == "EPSG:4548"
    assert layer.geoms[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-9)
    assert layer.areas[0] == pytest.approx(projected.area, rel=1e-6)  # measured in the same zone


def test_legacy_epsg_crs_member_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pbf.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "EPSG", "properties": {"code": 4548}},
                                "features": [{"type": "Feature", "properties": {"pbf_id": "A"},
                                              "geometry": shapely.geometry.mapping(to_epsg(SQUARE, 4548))}]}))
    layer = read_layer(PBF, path)
    assert layer.source_crs == "EPSG:4548"
    assert layer.geoms[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-9)


@pytest.mark.parametrize("name", ["EPSG:99999", "urn:ogc:def:crs:EPSG::99999", "not a crs"])
def test_unknown_crs_member_is_refused(tmp_path: Path, name: str) -> None:
    """GDAL would read these as WGS 84 without a word; the reader refuses them."""
    path = geojson(tmp_path / "pbf.geojson", [(SQUARE, {"pbf_id": "PBF-1"})], name)
    with pytest.raises(CRSError, match="unknown CRS") as info:
        read_layer(PBF, path)
    assert "pbf.geojson" in str(info.value) and name in str(info.value)


def test_unparseable_prj_is_a_crs_error(tmp_path: Path) -> None:
    shp = write_vector(parcels_gdf(), tmp_path / "p" / "parcels.shp")
    shp.with_suffix(".prj").write_text('GEOGCS["x",DATUM["y",SPHEROID["z",0,0]],PRIMEM["G",0],UNIT["degree",0.0174]]')
    with pytest.raises(CRSError, match="unknown CRS"):
        read_layer(PARCELS, shp)


def test_missing_prj_is_reported(tmp_path: Path) -> None:
    shp = write_vector(parcels_gdf(), tmp_path / "p" / "parcels.shp")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(LayerFormatError, match="declares no CRS"):
        read_layer(PARCELS, shp)


def test_swapped_lon_lat_is_an_extent_error(tmp_path: Path) -> None:
    swapped = shapely.transform(SQUARE, lambda xy: xy[:, ::-1])
    path = geojson(tmp_path / "pbf.geojson", [(swapped, {"pbf_id": "PBF-1"})])
    with pytest.raises(ExtentError, match="swapped"):
        read_layer(PBF, path)


def test_metres_without_crs_is_an_extent_error(tmp_path: Path) -> None:
    path = geojson(tmp_path / "pbf.geojson", [(to_epsg(SQUARE, 4548), {"pbf_id": "PBF-1"})])
    with pytest.raises(ExtentError, match="projected metres"):
        read_layer(PBF, path)


# --------------------------------------------------------------------------- Shapefile


def check_parcels(layer: Any) -> None:
    assert layer.kind is PARCELS and layer.fids == ["P1", "P2"]
    assert layer.source_crs == "EPSG:4490"
    assert [a["land_use"] for a in layer.attrs] == ["070102", "0901"]  # integer column, leading zero restored
    # DBF cuts names to 10 characters; the reader gives density_max and land_use_name theirs back
    assert layer.attrs[0]["density_max"] == 25.0 and "density_ma" not in layer.attrs[0]
    assert layer.attrs[0]["land_use_name"] == "二类城镇住宅用地"
    assert layer.geoms[0].equals(SQUARE)


def test_shapefile_from_shp_file(tmp_path: Path) -> None:
    shp = write_vector(parcels_gdf(), tmp_path / "p" / "parcels.shp")
    check_parcels(read_layer(PARCELS, shp))


def test_shapefile_from_folder(tmp_path: Path) -> None:
    shp = write_vector(parcels_gdf(), tmp_path / "p" / "parcels.shp")
    layer = read_layer(PARCELS, shp.parent)
    check_parcels(layer)
    assert layer.source == str(shp.parent)


def test_shapefile_from_zip(tmp_path: Path) -> None:
    shp = write_vector(parcels_gdf(), tmp_path / "p" / "parcels.shp")
    archive = tmp_path / "parcels.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(shp.parent.iterdir()):
            zf.write(part, f"data/{part.name}")
    check_parcels(read_layer(PARCELS, archive))


def test_folder_or_zip_with_several_shapefiles_is_refused(tmp_path: Path) -> None:
    write_vector(parcels_gdf(), tmp_path / "p" / "a.shp")
    write_vector(parcels_gdf(), tmp_path / "p" / "b.shp")
    with pytest.raises(LayerFormatError, match=r"exactly one \.shp \(found a\.shp, b\.shp\)"):
        read_layer(PARCELS, tmp_path / "p")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted((tmp_path / "p").iterdir()):
            zf.write(part, part.name)
    with pytest.raises(LayerFormatError, match=r"exactly one \.shp \(found 2\)"):
        read_layer(PARCELS, archive)


def test_shapefile_core_as_integer_is_boolean(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"ecr_id": ["E1", "E2"], "core": [1, 0]}, geometry=[SQUARE, box(X0, Y0 + 0.03, X0 + 0.01,
                                                                                            Y0 + 0.04)],
                           crs="EPSG:4490")
    layer = read_layer(ECR, write_vector(gdf, tmp_path / "e" / "ecr.shp"))
    assert [a["core"] for a in layer.attrs] == [True, False]
    assert all(type(a["core"]) is bool for a in layer.attrs)


def test_shapefile_in_gauss_kruger(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"pbf_id": ["A"]}, geometry=[to_epsg(SQUARE, 4548)], crs="EPSG:4548")
    layer = read_layer(PBF, write_vector(gdf, tmp_path / "g" / "pbf.shp"))
    assert layer.source_crs == "EPSG:4548"
    assert layer.geoms[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-9)


# --------------------------------------------------------------------------- GeoPackage


def test_geopackage_with_one_layer(tmp_path: Path) -> None:
    gpkg = write_vector(parcels_gdf(), tmp_path / "one.gpkg", layer="kg")
    check_parcels_gpkg = read_layer(PARCELS, gpkg)
    assert check_parcels_gpkg.fids == ["P1", "P2"]
    assert check_parcels_gpkg.attrs[0]["land_use"] == "070102"
    assert check_parcels_gpkg.attrs[0]["density_max"] == 25.0


def test_geopackage_with_several_layers(tmp_path: Path) -> None:
    gpkg = tmp_path / "many.gpkg"
    write_vector(parcels_gdf(), gpkg, layer="parcels")
    other = gpd.GeoDataFrame({"pbf_id": ["A"]}, geometry=[box(X0, Y0 + 0.05, X0 + 0.01, Y0 + 0.06)], crs="EPSG:4490")
    write_vector(other, gpkg, layer="farmland")
    with pytest.raises(LayerFormatError, match="several layers") as info:
        read_layer(PARCELS, gpkg)
    assert "parcels" in str(info.value) and "farmland" in str(info.value)
    assert read_layer(PARCELS, gpkg, layer_name="parcels").fids == ["P1", "P2"]
    assert read_layer(PBF, gpkg, layer_name="farmland").fids == ["A"]
    with pytest.raises(LayerFormatError, match="no layer 'roads'"):
        read_layer(PBF, gpkg, layer_name="roads")


# --------------------------------------------------------------------------- refusals


def test_missing_required_attribute_is_named(tmp_path: Path) -> None:
    props = {"parcel_id": "P1", "unit_id": "U1", "land_use": "0701"}
    path = geojson(tmp_path / "parcels.geojson", [(SQUARE, props)])
    with pytest.raises(MissingAttributeError, match="far_max") as info:
        read_layer(PARCELS, path)
    assert "parcel_id" not in str(info.value).split("needs")[1].split(";")[0]


def test_unknown_kind(tmp_path: Path) -> None:
    path = geojson(tmp_path / "x.geojson", [(SQUARE, {})])
    with pytest.raises(UnknownLayerKind, match="roads"):
        read_layer("roads", path)


def test_lines_are_refused(tmp_path: Path) -> None:
    path = geojson(tmp_path / "lines.geojson", [(LineString([(X0, Y0), (X0 + 0.1, Y0 + 0.1)]), {"pbf_id": "A"})])
    with pytest.raises(LayerFormatError, match="LineString"):
        read_layer(PBF, path)


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n")
    with pytest.raises(LayerFormatError, match="unsupported file type .csv"):
        read_layer(PBF, csv)
    with pytest.raises(LayerFormatError, match="no such file"):
        read_layer(PBF, tmp_path / "absent.geojson")


# --------------------------------------------------------------------------- repair and attributes


def test_bowtie_is_repaired_and_recorded(tmp_path: Path) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 0.02, Y0 + 0.02), (X0 + 0.02, Y0), (X0, Y0 + 0.02)])
    assert not bowtie.is_valid
    layer = read_layer(PBF, geojson(tmp_path / "bow.geojson", [(bowtie, {"pbf_id": "A"}), (SQUARE, {"pbf_id": "B"})]))
    assert layer.invalid[0] is not None and layer.invalid[0].startswith("Self-intersection")
    assert layer.invalid[1] is None
    assert layer.geoms[0].is_valid and layer.geoms[0].geom_type in ("Polygon", "MultiPolygon")
    assert layer.areas[0] > 0
    # the two triangles of the bow tie: half of the square
    assert layer.areas[0] == pytest.approx(layer.areas[1] / 2, rel=1e-3)
    assert layer.feature(0).invalid_reason == layer.invalid[0]


def test_layer_from_geometries_repairs_too() -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 0.02, Y0 + 0.02), (X0 + 0.02, Y0), (X0, Y0 + 0.02)])
    layer = layer_from_geometries(PBF, [bowtie, SQUARE], [{"pbf_id": "A"}, {}])
    assert layer.fids == ["A", "PBF-0002"]
    assert layer.invalid[0] and layer.invalid[1] is None
    assert len(layer) == 2 and [f.fid for f in layer] == ["A", "PBF-0002"]


# --------------------------------------------------------------------------- crs helpers


def test_gauss_kruger_zone_and_area_crs() -> None:
    assert crs.gk_epsg_for_lon(116.18) == 4548
    assert crs.gk_epsg_for_lon(73.5) == 4534 and crs.gk_epsg_for_lon(134.9) == 4554
    assert crs.area_crs_for(SQUARE) == "EPSG:4548"
    assert crs.area_crs_for(box(100, 30, 103, 31)) == "EPSG:4543"  # exactly 3° wide: still Gauss-Kruger
    assert crs.area_crs_for(box(100, 30, 103.01, 31)).startswith("+proj=aea")
    assert crs.parse_crs(4548).to_epsg() == 4548 and crs.parse_crs("4490").to_epsg() == 4490
    assert crs.parse_crs(None).to_epsg() == 4490
    with pytest.raises(CRSError):
        crs.parse_crs("EPSG:99999")
    with pytest.raises(CRSError):
        crs.parse_crs(99999)


def random_polygon(rng: np.random.Generator) -> Polygon:
    """A star-shaped polygon of 5–12 vertices, 100 m to 30 km across, somewhere in China."""
    lon, lat = rng.uniform(74, 134), rng.uniform(18, 53)
    size = 10 ** rng.uniform(2, np.log10(30_000))
    k = int(rng.integers(5, 13))
    angles = (np.arange(k) + rng.uniform(0, 0.8, k)) * 2 * np.pi / k  # gaps < π: a simple polygon
    radius = size / 2 * rng.uniform(0.4, 1.0, k)
    dlat = radius * np.sin(angles) / 110_900
    dlon = radius * np.cos(angles) / (111_320 * np.cos(np.radians(lat)))
    return Polygon(np.column_stack([lon + dlon, lat + dlat]))


def test_area_matches_geodesic_area_across_china() -> None:
    rng = np.random.default_rng(4490)
    errors = []
    for _ in range(100):
        poly = random_polygon(rng)
        assert poly.is_valid
        # Densify the lon/lat edges first: the geodesic area follows geodesics between vertices and
        # the projected area straight lines in the projection; short (~0.001°, ~100 m) edges make the
        # two edge shapes agree, so what is left is the projection's own area error.
        dense = shapely.segmentize(poly, 0.001)
        assert crs.area_crs_for(dense).startswith("EPSG:")
        errors.append(abs(crs.area_m2(dense) / geodesic_m2(dense) - 1))
    assert max(errors) < 1e-3, max(errors)


@pytest.mark.parametrize("geom", [
    box(100, 30, 110, 35),  # 10° by 5°
    box(74.5, 18.5, 78.0, 19.5),  # just over 3° wide, far south-west
    Polygon([(120, 45), (134, 47), (131, 53), (122, 50)]),  # the north-east, irregular
])
def test_wide_polygons_use_albers_within_a_tenth_of_a_percent(geom: Polygon) -> None:
    dense = shapely.segmentize(geom, 0.001)  # see test_area_matches_geodesic_area_across_china
    assert crs.area_crs_for(dense).startswith("+proj=aea")
    assert crs.area_m2(dense) == pytest.approx(geodesic_m2(dense), rel=1e-3)


def test_worst_case_gauss_kruger_polygon_is_within_a_tenth_of_a_percent() -> None:
    """A 3°-wide polygon centred on a zone border, in the far south: furthest from its central meridian."""
    geom = shapely.segmentize(box(75.0, 18.0, 78.0, 18.5), 0.001)
    assert crs.area_crs_for(geom).startswith("EPSG:")
    assert crs.area_m2(geom) == pytest.approx(geodesic_m2(geom), rel=1e-3)


def test_check_extent() -> None:
    crs.check_extent(SQUARE)
    with pytest.raises(ExtentError, match="swapped"):
        crs.check_extent(box(23.7, 116.1, 23.8, 116.2))
    with pytest.raises(ExtentError, match="check the coordinates"):
        crs.check_extent(box(10, 10, 11, 11))
