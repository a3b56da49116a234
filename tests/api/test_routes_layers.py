"""``/layers``: list, GeoJSON features for the map, 数据质检, and imports, all by role; ``/public/layers``: the
public layers for the key-less map."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from assistant.access import Role
from ingest.models import Access
from spatial.kinds import LayerKind
from tests.support.api_world import layer_at

LAYERS = Path(__file__).resolve().parents[2] / "demo" / "layers"
ZONES = LAYERS / "planning_zones.geojson"


def upload(path: Path, name: str | None = None) -> dict:
    return {"file": (name or path.name, path.read_bytes())}


def test_the_layers_are_listed(api) -> None:
    got = api.client.get("/layers", headers=api.headers(Role.PUBLIC))
    assert got.status_code == 200, got.text
    kinds = {layer["kind"] for layer in got.json()}
    assert kinds == {k.value for k in LayerKind}
    assert got.json() == [i.to_json() for i in api.container.layers.list(role=Role.PUBLIC)]


def test_where_a_layers_file_lies_on_the_server_is_for_admin_only(api) -> None:
    admin = api.client.get("/layers", headers=api.headers(Role.ADMIN)).json()
    assert admin and all(Path(layer["source"]).is_absolute() for layer in admin)
    for role in (Role.OFFICER, Role.REVIEWER, Role.PUBLIC):
        got = api.client.get("/layers", headers=api.headers(role)).json()
        assert got == [{**layer, "source": PurePath(layer["source"]).name} for layer in admin]


def test_features_are_geojson_in_lon_lat(api) -> None:
    got = api.client.get("/layers/regulatory_parcels/features", headers=api.headers(Role.PUBLIC))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["type"] == "FeatureCollection" and body["kind"] == "regulatory_parcels"
    assert body["total"] == len(body["features"]) > 0 and body["truncated"] is False
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["properties"]["parcel_id"] == feature["id"]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = feature["geometry"]["coordinates"][0][0][:2] if feature["geometry"]["type"] == "Polygon" else \
        feature["geometry"]["coordinates"][0][0][0][:2]
    assert 73 < lon < 136 and 3 < lat < 54


def test_features_take_a_limit_and_a_bbox(api) -> None:
    everything = api.client.get("/layers/regulatory_parcels/features", headers=api.headers(Role.OFFICER)).json()
    got = api.client.get("/layers/regulatory_parcels/features?limit=2", headers=api.headers(Role.OFFICER)).json()
    assert len(got["features"]) == 2 and got["truncated"] is True and got["total"] == everything["total"]
    far = api.client.get("/layers/regulatory_parcels/features?bbox=100,30,100.1,30.1", headers=api.headers(Role.OFFICER))
    assert far.status_code == 200 and far.json()["features"] == [] and far.json()["total"] == 0
    minx, miny, maxx, maxy = api.container.layer_backend.info(LayerKind.REGULATORY_PARCELS).bounds
    half = api.client.get(f"/layers/regulatory_parcels/features?bbox={minx},{miny},{(minx + maxx) / 2},{maxy}",
                          headers=api.headers(Role.OFFICER)).json()
    assert 0 < half["total"] < everything["total"]


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=a,b,c,d", "bbox=3,3,1,1", "bbox=nan,1,2,3", "limit=0",
                                   "limit=1000000"])
def test_bad_feature_queries_are_422(api, query) -> None:
    got = api.client.get(f"/layers/regulatory_parcels/features?{query}", headers=api.headers(Role.OFFICER))
    assert got.status_code == 422, got.text


def test_unknown_kinds_are_422(api) -> None:
    got = api.client.get("/layers/roads/features", headers=api.headers(Role.OFFICER))
    assert got.status_code == 422 and "kind" in got.json()["message"]


def test_qc_returns_the_quality_report(api) -> None:
    got = api.client.get("/layers/qc", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body == api.container.layers.qc(role=Role.REVIEWER).to_json()
    assert {"passed", "errors", "warnings", "issues", "counts"} <= set(body)


def test_import_replaces_a_layer(api) -> None:
    got = api.client.post("/layers/planning_zones", files=upload(ZONES), data={"access": "public"},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 201, got.text
    body = got.json()
    assert body["kind"] == "planning_zones" and body["source"] == ZONES.name and body["features"] > 0
    assert body["access"] == "public"


def test_a_confidential_layer_is_hidden_from_lower_roles_and_kept_from_their_imports(api) -> None:
    try:
        got = api.client.post("/layers/planning_zones", files=upload(ZONES), data={"access": "confidential"},
                              headers=api.headers(Role.ADMIN))
        assert got.status_code == 201 and got.json()["access"] == "confidential"
        for role in (Role.PUBLIC, Role.OFFICER):
            assert "planning_zones" not in {i["kind"] for i in api.client.get("/layers", headers=api.headers(role)).json()}
            hidden = api.client.get("/layers/planning_zones/features", headers=api.headers(role))
            assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
            qc = api.client.get("/layers/qc", headers=api.headers(Role.OFFICER)).json()
            assert "planning_zones" not in {layer["kind"] for layer in qc["layers"]}
        assert api.client.get("/layers/planning_zones/features", headers=api.headers(Role.ADMIN)).status_code == 200
        replace = api.client.post("/layers/planning_zones", files=upload(ZONES), data={"access": "public"},
                                  headers=api.headers(Role.OFFICER))
        assert replace.status_code == 403 and "confidential" in replace.json()["message"]
    finally:
        api.container.layers.import_file(LayerKind.PLANNING_ZONES, ZONES, Access.PUBLIC)


def test_an_officer_cannot_import_a_confidential_layer(api) -> None:
    got = api.client.post("/layers/planning_zones", files=upload(ZONES), data={"access": "confidential"},
                          headers=api.headers(Role.OFFICER))
    assert got.status_code == 403
    assert api.container.layer_backend.info(LayerKind.PLANNING_ZONES).access is Access.PUBLIC


@pytest.mark.parametrize("name, content, says", [
    ("zones.geojson", b"{not json", "zones.geojson"),
    ("zones.txt", b"x", ".txt"),
    ("parcels.geojson", (LAYERS / "planning_zones.geojson").read_bytes(), "parcel_id"),  # lacks the attributes
])
def test_unreadable_layer_files_are_422(api, name, content, says) -> None:
    before = api.container.layer_backend.info(LayerKind.REGULATORY_PARCELS)
    got = api.client.post("/layers/regulatory_parcels", files={"file": (name, content)},
                          headers=api.headers(Role.ADMIN))
    assert got.status_code == 422, got.text
    assert says in got.json()["message"] and "onemap-upload-" not in got.json()["message"]
    assert api.container.layer_backend.info(LayerKind.REGULATORY_PARCELS) == before


def test_layer_names_with_a_path_are_refused(api) -> None:
    got = api.client.post("/layers/planning_zones", files=upload(ZONES, "../../planning_zones.geojson"),
                          headers=api.headers(Role.ADMIN))
    assert got.status_code == 400


def test_a_reviewer_may_not_import(api) -> None:
    got = api.client.post("/layers/planning_zones", files=upload(ZONES), headers=api.headers(Role.REVIEWER))
    assert got.status_code == 403


# ---------------------------------------------------------------- the public map (no key)

def test_the_public_map_lists_only_the_public_layers(api, public_limit) -> None:
    # every demo layer is public: farmland goes internal for the test
    with layer_at(api.container, LayerKind.PERMANENT_BASIC_FARMLAND, Access.INTERNAL):
        admin = api.client.get("/layers", headers=api.headers(Role.ADMIN)).json()
        got = api.client.get("/public/layers")
        assert got.status_code == 200, got.text
        public = got.json()
        assert public == [{**layer, "source": PurePath(layer["source"]).name} for layer in admin
                          if layer["access"] == "public"]
        assert {layer["kind"] for layer in admin} - {layer["kind"] for layer in public} == {"permanent_basic_farmland"}
        assert public == api.client.get("/layers", headers=api.headers(Role.PUBLIC)).json()
        # a key does not widen the public routes
        assert api.client.get("/public/layers", headers=api.headers(Role.ADMIN)).json() == public

        hidden = api.client.get("/public/layers/permanent_basic_farmland/features", headers=api.headers(Role.ADMIN))
        assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
        assert "public" in hidden.json()["message"]
        seen = api.client.get("/layers/permanent_basic_farmland/features", headers=api.headers(Role.OFFICER))
        assert seen.status_code == 200 and seen.json()["total"] > 0


def test_the_public_features_are_the_staff_routes_geojson(api, public_limit) -> None:
    got = api.client.get("/public/layers/regulatory_parcels/features?limit=3")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["type"] == "FeatureCollection" and body["kind"] == "regulatory_parcels" and body["access"] == "public"
    assert len(body["features"]) == 3 and body["truncated"] is True
    assert all(f["type"] == "Feature" and f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    staff = api.client.get("/layers/regulatory_parcels/features?limit=3", headers=api.headers(Role.OFFICER)).json()
    assert body == staff
    far = api.client.get("/public/layers/regulatory_parcels/features?bbox=100,30,100.1,30.1")
    assert far.status_code == 200 and far.json()["features"] == [] and far.json()["total"] == 0
    assert api.client.get("/public/layers/regulatory_parcels/features?bbox=1,2,3").status_code == 422
    assert api.client.get("/public/layers/roads/features").status_code == 422


def test_opening_the_map_leaves_a_visitors_questions_untouched(api, public_limit) -> None:
    """What the page asks without a key (web/js/map.js): the list, then each listed layer's features, twice (a
    reload); browsing (the map and the library) has a bucket of its own, so the visitor then still has the whole
    burst of searches."""
    cfg = api.container.settings.api
    codes = []
    for _ in range(2):
        listed = api.client.get("/public/layers")
        codes += [listed.status_code]
        codes += [api.client.get(f"/public/layers/{layer['kind']}/features").status_code for layer in listed.json()]
    assert len(codes) == 2 * (1 + len(LayerKind)) <= cfg.public_browse_burst
    codes += [api.client.post("/public/search", json={"query": "永久基本农田转为建设用地由谁批准？"}).status_code
              for _ in range(cfg.public_burst)]
    assert set(codes) == {200}, codes
    assert api.client.post("/public/search", json={"query": "再问一次"}).status_code == 429  # the search bucket is spent
    assert api.client.get("/public/layers").status_code == 200  # and browsing's is not


def test_the_public_map_is_rate_limited(api) -> None:
    from api.ratelimit import RateLimiter

    app = api.client.app
    saved = app.state.public_browse_limiter
    app.state.public_browse_limiter = RateLimiter(60, burst=2)
    try:
        got = [api.client.get(path) for path in ("/public/layers", "/public/layers/planning_zones/features",
                                                  "/public/layers", "/public/layers/planning_zones/features")]
    finally:
        app.state.public_browse_limiter = saved
    assert [g.status_code for g in got] == [200, 200, 429, 429]
    assert got[-1].json()["error"] == "too_many_requests" and int(got[-1].headers["Retry-After"]) >= 1


def test_openapi_documents_the_public_map(api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    listed, features = paths["/public/layers"]["get"], paths["/public/layers/{kind}/features"]["get"]
    assert listed["summary"] and features["summary"]
    assert {"200", "429"} <= set(listed["responses"]) and {"200", "404", "422", "429"} <= set(features["responses"])
    assert features["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/FeatureCollection")
    for op in (listed, features):  # no key header: the public role
        assert not any(p["in"] == "header" for p in op.get("parameters", [])), op["parameters"]
