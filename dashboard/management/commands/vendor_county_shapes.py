"""Write static/data/missouri-counties-us-atlas-3.0.1.json from us-atlas's counties-10m.json.

Run once per us-atlas release (`npm pack us-atlas@3`, unpack, point this at package/counties-10m.json):
it keeps Missouri's 115 county shapes (FIPS 29xxx), simplifies their shared borders once each
(so neighbors still meet), and names each shape by the voter file's election authority.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.shapes import FIPS_AUTHORITIES, SHAPES_FILE, SHAPES_VERSION

# Degrees: about 500 m, far below a pixel of a statewide map on a phone.
TOLERANCE = 0.005


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, keeping both ends (they are where borders meet)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _ring(arc_ids: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    ring: list[tuple[float, float]] = []
    for arc_id in arc_ids:
        points = arcs[arc_id] if arc_id >= 0 else arcs[~arc_id][::-1]
        ring.extend(points[1:] if ring else points)
    return [[round(lon, 4), round(lat, 4)] for lon, lat in ring]


class Command(BaseCommand):
    help = "Vendor Missouri's county shapes from us-atlas's counties-10m.json (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="package/counties-10m.json from `npm pack us-atlas@3`")

    def handle(self, *args, path, **options):
        topology = json.loads(Path(path).read_text())
        arcs = [_simplify(arc, TOLERANCE) for arc in _decode_arcs(topology)]
        counties = []
        for geometry in topology["objects"]["counties"]["geometries"]:
            if not geometry["id"].startswith("29"):
                continue
            polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
            counties.append(
                {
                    "fips": geometry["id"],
                    "authority": FIPS_AUTHORITIES.get(geometry["id"], geometry["properties"]["name"]),
                    "polygons": [[_ring(ring, arcs) for ring in polygon] for polygon in polygons],
                }
            )
        if len(counties) != 115:
            raise CommandError(f"Expected Missouri's 115 counties, found {len(counties)}.")
        target = Path(settings.BASE_DIR) / SHAPES_FILE
        document = {
            "source": f"us-atlas {SHAPES_VERSION} counties-10m.json (U.S. Census Bureau cartographic "
            "boundaries), Missouri only, borders simplified to 0.005 degrees",
            "license": "ISC, Copyright 2013-2019 Michael Bostock: see us-atlas-3.0.1.LICENSE next to this file",
            "counties": sorted(counties, key=lambda county: county["fips"]),
        }
        target.write_text(json.dumps(document, separators=(",", ":")) + "\n")
        self.stdout.write(f"Wrote {len(counties)} counties to {target} ({target.stat().st_size:,} bytes).")
