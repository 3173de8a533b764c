"""Missouri's county shapes (vendored from us-atlas) and what the dashboard derives from them.

The voter file has 116 election authorities; the Census has 115 counties. 114 counties and St. Louis
City (FIPS 29510, an independent city) are one shape each. Kansas City is its own election authority
but no county: it lies inside Jackson, Clay, Platte and Cass counties, whose shapes keep their whole
area and show the numbers of their own election authority (the county outside Kansas City). Kansas
City has no shape on the map, only its row in the tables, and is urban by default (a city of half a
million; there is no shape to measure it by). Staff can override any county's class.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

SHAPES_VERSION = "3.0.1"
SHAPES_FILE = f"static/data/missouri-counties-us-atlas-{SHAPES_VERSION}.json"

# The Census names both St. Louis County (29189) and St. Louis City (29510) "St. Louis".
FIPS_AUTHORITIES = {"29189": "St. Louis County", "29510": "St. Louis City"}
# Election authorities without a shape of their own (see the module docstring).
WITHOUT_SHAPE = ("Kansas City",)

EARTH_RADIUS_MILES = 3958.8
# Missouri's middle: the sinusoidal projection below is equal-area about this meridian.
CENTRAL_LONGITUDE = -92.5
# The map's width in SVG units; its height follows Missouri's shape.
MAP_WIDTH = 600


@dataclass(frozen=True)
class CountyShape:
    authority: str
    fips: str
    square_miles: float
    path: str  # SVG path data in the map's coordinates


def _ring_square_miles(ring: list[list[float]]) -> float:
    """Signed area of a lon/lat ring on the sinusoidal (equal-area) projection, in square miles."""
    scale = math.pi / 180 * EARTH_RADIUS_MILES
    points = [
        ((lon - CENTRAL_LONGITUDE) * math.cos(math.radians(lat)) * scale, lat * scale) for lon, lat in ring
    ]
    twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))
    return twice / 2


def polygon_square_miles(polygon: list[list[list[float]]]) -> float:
    """Area of an outer ring minus its holes, in square miles."""
    outer, *holes = polygon
    return abs(_ring_square_miles(outer)) - sum(abs(_ring_square_miles(hole)) for hole in holes)


@cache
def _counties() -> list[dict]:
    return json.loads((Path(settings.BASE_DIR) / SHAPES_FILE).read_text())["counties"]


@dataclass(frozen=True)
class _Frame:
    """Equirectangular, squeezed east-west by the cosine of the middle latitude: true enough for a state."""

    west: float
    north: float
    squeeze: float
    scale: float
    height: int

    def xy(self, lon: float, lat: float) -> str:
        return f"{(lon - self.west) * self.squeeze * self.scale:.1f},{(self.north - lat) * self.scale:.1f}"


@cache
def _frame() -> _Frame:
    points = [
        point
        for county in _counties()
        for polygon in county["polygons"]
        for ring in polygon
        for point in ring
    ]
    west, east = min(lon for lon, _ in points), max(lon for lon, _ in points)
    south, north = min(lat for _, lat in points), max(lat for _, lat in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = MAP_WIDTH / ((east - west) * squeeze)
    return _Frame(west, north, squeeze, scale, math.ceil((north - south) * scale))


@cache
def county_shapes() -> dict[str, CountyShape]:
    """Every county's shape by election authority: area and SVG path, computed once per process."""
    frame = _frame()
    shapes = {}
    for county in _counties():
        path = " ".join(
            "M" + "L".join(frame.xy(lon, lat) for lon, lat in ring) + "Z"
            for polygon in county["polygons"]
            for ring in polygon
        )
        area = sum(polygon_square_miles(polygon) for polygon in county["polygons"])
        shapes[county["authority"]] = CountyShape(county["authority"], county["fips"], area, path)
    return shapes


def map_height() -> int:
    """The map's height in SVG units, for the viewBox."""
    return _frame().height
