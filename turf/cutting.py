"""The cutter's engine: leaders take turns picking their nearest free household. No database here.

`draft()` gets the free, eligible items (households for door lists, voters for call lists) and the
leaders who need some, and hands items out in a snake draft: round 1 goes A, B, C; round 2 C, B, A;
each pick is the picker's nearest item nobody has taken. So two neighbors cut together share their
area instead of the first one emptying it, and a rural leader simply reaches further.

Items with a geocode live in a two-level grid (2 km blocks of 250 m cells) searched best-first, so a
city leader opens a few cells and a rural one skips empty blocks. Items without a geocode of their
own are offered only to leaders of the same precinct, placed at the precinct's centre and ordered
along the leader's own street first.
"""

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

EARTH_RADIUS_M = 6_371_000.0
CELL_M = 250.0
BLOCK_CELLS = 8  # a block is 8 × 8 cells: 2 km

_ITEM, _CELL, _BLOCK, _RING = 0, 1, 2, 3


@dataclass(slots=True)
class Item:
    """A household (door lists) or a voter (call lists) that can be put on a list."""

    key: int
    voters: tuple[int, ...]
    household: int | None
    lat: float | None  # its own geocode, or its precinct's centre when `located` is False
    lon: float | None
    located: bool
    county: str
    precinct: str
    street: str = ""
    number: int | None = None


@dataclass(eq=False)
class Seeker:
    """A leader who needs `quota` more voters, measured from their anchor."""

    key: int
    lat: float | None
    lon: float | None
    county: str
    precinct: str
    quota: int
    street: str = ""
    number: int | None = None
    picks: list[tuple[Item, float | None]] = field(default_factory=list)
    count: int = 0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def street_closeness(seeker: Seeker, item: Item) -> tuple:
    """Order items the map cannot place: the leader's own street first, then nearest house numbers."""
    same_street = bool(seeker.street) and item.street == seeker.street
    gap = abs(item.number - seeker.number) if same_street and item.number and seeker.number else 0
    return (not same_street, gap, item.street, item.number or 0, item.key)


class Pool:
    """Free items in a grid, plus the unlocated ones by precinct; `taken` is shared by every stream."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.taken = bytearray(len(items))
        spatial = [i for i, item in enumerate(items) if item.located]
        lats = [items[i].lat for i in spatial]
        # An equirectangular projection around the pool's middle latitude: within a state the
        # east-west stretch is a few percent, which reorders nothing that matters at street scale.
        self.lat0 = math.radians(sum(lats) / len(lats)) if lats else 0.0
        self.cos0 = math.cos(self.lat0)
        self.xy: list[tuple[float, float] | None] = [None] * len(items)
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.blocks: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)
        self.by_precinct: dict[tuple[str, str], list[int]] = defaultdict(list)
        # Untaken items per cell and per block: once an area is emptied, searches skip it whole,
        # so a leader reaching far through other leaders' neighbors does not reopen every cell.
        self.cell_of: list[tuple[int, int] | None] = [None] * len(items)
        self.free_in: dict[tuple, int] = defaultdict(int)
        for i, item in enumerate(items):
            if item.located:
                x, y = self.project(item.lat, item.lon)
                self.xy[i] = (x, y)
                cell = (math.floor(x / CELL_M), math.floor(y / CELL_M))
                block = (cell[0] // BLOCK_CELLS, cell[1] // BLOCK_CELLS)
                self.cells[cell].append(i)
                self.blocks[block].add(cell)
                self.cell_of[i] = cell
                self.free_in[cell] += 1
                self.free_in[("block", *block)] += 1
            else:
                self.by_precinct[(item.county, item.precinct)].append(i)
        if self.blocks:
            self.block_span = (
                min(b[0] for b in self.blocks),
                max(b[0] for b in self.blocks),
                min(b[1] for b in self.blocks),
                max(b[1] for b in self.blocks),
            )

    def take(self, index: int) -> None:
        self.taken[index] = 1
        cell = self.cell_of[index]
        if cell is not None:
            self.free_in[cell] -= 1
            self.free_in[("block", cell[0] // BLOCK_CELLS, cell[1] // BLOCK_CELLS)] -= 1

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            math.radians(lon) * self.cos0 * EARTH_RADIUS_M,
            math.radians(lat) * EARTH_RADIUS_M,
        )


def _rect_distance(x: float, y: float, x0: float, y0: float, size: float) -> float:
    dx = max(x0 - x, 0.0, x - (x0 + size))
    dy = max(y0 - y, 0.0, y - (y0 + size))
    return math.hypot(dx, dy)


class Stream:
    """One seeker's items, nearest first, skipping whatever someone else has taken meanwhile."""

    def __init__(self, pool: Pool, seeker: Seeker, max_distance_m: float) -> None:
        self.pool = pool
        self.seeker = seeker
        self.max_distance = max_distance_m
        self.heap: list = []
        self.point = pool.project(seeker.lat, seeker.lon) if seeker.lat is not None else None
        if self.point is not None and pool.blocks:
            block_m = CELL_M * BLOCK_CELLS
            self.home_block = (math.floor(self.point[0] / block_m), math.floor(self.point[1] / block_m))
            bx0, bx1, by0, by1 = pool.block_span
            hx, hy = self.home_block
            self.last_ring = max(abs(hx - bx0), abs(hx - bx1), abs(hy - by0), abs(hy - by1))
            self.heap.append((0.0, 0, _RING, 0))
        self.local = self._local_items()

    def _local_items(self) -> list:
        """The unlocated items of the seeker's precinct, in the order this seeker would walk them."""
        seeker, pool = self.seeker, self.pool
        ordered = []
        for i in pool.by_precinct.get((seeker.county, seeker.precinct), ()):
            item = pool.items[i]
            if self.point is not None and item.lat is not None:
                distance = haversine_m(seeker.lat, seeker.lon, item.lat, item.lon)
            else:
                distance = 0.0  # same precinct, no place on the map: near by definition
            ordered.append((distance, street_closeness(seeker, item), i))
        ordered.sort(reverse=True)  # popped from the end
        return ordered

    def _ring_lower_bound(self, ring: int) -> float:
        if ring == 0:
            return 0.0
        block_m = CELL_M * BLOCK_CELLS
        x, y = self.point
        hx, hy = self.home_block
        return max(
            0.0,
            min(
                x - (hx - ring + 1) * block_m,
                (hx + ring) * block_m - x,
                y - (hy - ring + 1) * block_m,
                (hy + ring) * block_m - y,
            ),
        )

    def _expand(self, kind: int, payload) -> None:
        pool, heap = self.pool, self.heap
        x, y = self.point
        if kind == _RING:
            ring = payload
            hx, hy = self.home_block
            block_m = CELL_M * BLOCK_CELLS
            if ring == 0:
                around = [(hx, hy)]
            else:
                around = [(hx + dx, hy + dy) for dx in range(-ring, ring + 1) for dy in (-ring, ring)]
                around += [(hx + dx, hy + dy) for dx in (-ring, ring) for dy in range(-ring + 1, ring)]
            free_in = pool.free_in
            for block in around:
                if free_in.get(("block", *block)):
                    distance = _rect_distance(x, y, block[0] * block_m, block[1] * block_m, block_m)
                    heapq.heappush(heap, (distance, 0, _BLOCK, block))
            lower = self._ring_lower_bound(ring + 1)
            if ring < self.last_ring and lower <= self.max_distance:
                heapq.heappush(heap, (lower, 0, _RING, ring + 1))
        elif kind == _BLOCK:
            free_in = pool.free_in
            for cell in pool.blocks[payload]:
                if not free_in[cell]:
                    continue
                distance = _rect_distance(x, y, cell[0] * CELL_M, cell[1] * CELL_M, CELL_M)
                heapq.heappush(heap, (distance, 0, _CELL, cell))
        else:
            taken, xy = pool.taken, pool.xy
            for i in pool.cells[payload]:
                if not taken[i]:
                    ix, iy = xy[i]
                    heapq.heappush(heap, (math.hypot(ix - x, iy - y), i, _ITEM, i))

    def _peek_spatial(self) -> tuple[float, int] | None:
        heap, taken = self.heap, self.pool.taken
        while heap:
            distance, _, kind, payload = heap[0]
            if distance > self.max_distance:
                heap.clear()
                return None
            if kind == _ITEM:
                if taken[payload]:
                    heapq.heappop(heap)
                    continue
                return distance, payload
            heapq.heappop(heap)
            self._expand(kind, payload)
        return None

    def _peek_local(self) -> tuple[float, int] | None:
        local, taken = self.local, self.pool.taken
        while local and taken[local[-1][2]]:
            local.pop()
        return (local[-1][0], local[-1][2]) if local else None

    def next_free(self) -> int | None:
        """Return the index of the nearest untaken item, or None when nothing is left in reach."""
        spatial, local = self._peek_spatial(), self._peek_local()
        if spatial is None and local is None:
            return None
        if local is None or (spatial is not None and spatial[0] < local[0]):
            heapq.heappop(self.heap)
            return spatial[1]
        self.local.pop()
        return local[1]


def draft(pool: Pool, seekers: list[Seeker], *, max_distance_m: float) -> None:
    """Hand out items in a snake draft until every seeker has its quota or nothing is in reach."""
    streams = {seeker: Stream(pool, seeker, max_distance_m) for seeker in seekers if seeker.quota > 0}
    turn = list(streams)
    forward = True
    while turn:
        still = []
        for seeker in turn if forward else reversed(turn):
            index = streams[seeker].next_free()
            if index is None:
                continue
            pool.take(index)
            item = pool.items[index]
            distance = None
            if seeker.lat is not None and item.lat is not None:
                distance = haversine_m(seeker.lat, seeker.lon, item.lat, item.lon)
            seeker.picks.append((item, distance))
            seeker.count += len(item.voters)
            if seeker.count < seeker.quota:
                still.append(seeker)
        turn = still if forward else still[::-1]
        forward = not forward
