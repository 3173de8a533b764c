"""SVG drawn on the server: the active-leaders chart against the goal line, and the county map.

No script draws them, so the CSP stays strict and a page printed or read without JavaScript shows
the same; each has a table beside it with every number.
"""

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html_join

from dashboard.coverage import CountyRow
from dashboard.goals import Activity, Milestone, Outlook, goal_on, weeks
from dashboard.shapes import MAP_WIDTH, WITHOUT_SHAPE, county_shapes, map_height

WIDTH, HEIGHT = 600, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 36


@dataclass(frozen=True)
class WeekRow:
    day: date
    active: int | None  # None: in the future
    goal: int

    @property
    def label(self) -> str:
        return f"{self.day:%b} {self.day.day}, {self.day.year}"


def _nice_ceiling(value: float) -> int:
    """A round number at or above `value` for the top of an axis (10, 20, 50, 100, ...)."""
    if value <= 10:
        return 10
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def progress_chart(activity: Activity, milestones: list[Milestone], outlook: Outlook, start: date) -> dict:
    """Coordinates for the chart of active leaders by week against the goal line, and its table's rows."""
    today = outlook.today
    end = max([today, *(m.due for m in milestones)])
    days = weeks(start, end)
    rows = [
        WeekRow(
            day, activity.active_on(day) if day <= today else None, round(goal_on(milestones, start, day))
        )
        for day in days
    ]
    top = _nice_ceiling(max([1, outlook.active, *(m.target for m in milestones)]))
    span = max(1, (end - start).days)

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(value, top) / top)

    def points(pairs) -> str:
        return " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in pairs)

    actual = points((row.day, row.active) for row in rows if row.active is not None)
    goal = points([(start, 0), *((m.due, m.target) for m in sorted(milestones, key=lambda m: m.due))])
    projection = ""
    if outlook.weekly_growth > 0 and end > today:
        projection = points(
            [(today, outlook.active), (end, outlook.active + outlook.weekly_growth * (end - today).days / 7)]
        )
    y_ticks = [{"y": round(y(top * n / 4), 1), "label": f"{round(top * n / 4):,}"} for n in range(5)]
    months = [date(year, month, 1) for year in range(start.year, end.year + 1) for month in range(1, 13)]
    months = [day for day in months if start <= day <= end]
    # At most six labels: a phone has room for no more. January shows its year.
    step = math.ceil(len(months) / 6) or 1
    x_ticks = [
        {"x": round(x(day), 1), "label": f"{day:%Y}" if day.month == 1 else f"{day:%b}"}
        for day in months[::step]
    ]
    dots = [
        {"x": round(x(m.milestone.due), 1), "y": round(y(m.milestone.target), 1), "good": m.is_good,
         "label": f"{m.milestone.target:,} by {m.milestone.due:%b %-d}: {m.status}"}
        for m in outlook.milestones
    ]  # fmt: skip
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "bottom": HEIGHT - BOTTOM, "right": WIDTH - RIGHT,
        "actual": actual, "goal": goal, "projection": projection, "today_x": round(x(today), 1),
        "y_ticks": y_ticks, "x_ticks": x_ticks, "dots": dots, "rows": rows,
    }  # fmt: skip


# What the map can colour counties by: (label, value of a row or None, how to show a value).
MAP_MEASURES = {
    "goal_share": ("Active leaders, share of the county's goal", lambda row: row.goal_share, "percent"),
    "turf_share": ("Households inside a leader's turf", lambda row: row.turf_share, "percent"),
    "contacts": ("Contacts in the last 7 days", lambda row: row.contacts_7d, "count"),
    "ids": ("IDs this cycle", lambda row: row.ids, "count"),
}
SHARE_BINS = (0.25, 0.5, 0.75, 1.0)


def _bins(measure: str, values: list[float]) -> list[float]:
    """Upper bounds of the first four of five colour bins: shares in quarters, counts in fifths of the largest."""
    if MAP_MEASURES[measure][2] == "percent":
        return list(SHARE_BINS)
    top = _nice_ceiling(max([1, *values]))
    return [top * n / 5 for n in range(1, 5)]


def _show(kind: str, value: float) -> str:
    return f"{value:.0%}" if kind == "percent" else f"{value:,.0f}"


def county_map(rows: list[CountyRow], measure: str) -> dict:
    """Every county's path in its colour bin ("none": no number, or outside the rows shown), and the legend."""
    label, value_of, kind = MAP_MEASURES[measure]
    by_county = {row.county: row for row in rows}
    values = {row.county: value_of(row) for row in rows}
    bounds = _bins(measure, [v for v in values.values() if v is not None])
    paths = []
    for shape in county_shapes().values():
        row, value = by_county.get(shape.authority), values.get(shape.authority)
        level = None if value is None else next((n for n, bound in enumerate(bounds) if value < bound), 4)
        title = f"{shape.authority}: " + ("no data" if value is None else _show(kind, value))
        css = "none" if level is None else f"bin-{level}"
        if row is not None and row.is_rural:
            title, css = f"{title} (rural)", f"{css} rural"
        paths.append((shape.path, css, title))
    # 115 shapes of a few hundred points each: joined here, not looped over in the template.
    counties = format_html_join("", '<path d="{}" class="{}"><title>{}</title></path>', paths)
    lows = [0.0, *bounds]
    legend = [
        {"level": n, "label": f"{_show(kind, low)} to under {_show(kind, high)}"}
        for n, (low, high) in enumerate(zip(lows, bounds, strict=False))
    ] + [{"level": 4, "label": f"{_show(kind, bounds[-1])} or more"}]
    return {
        "width": MAP_WIDTH, "height": map_height(), "counties": counties, "legend": legend, "label": label,
        "without_shape": [county for county in WITHOUT_SHAPE if county in by_county],
    }  # fmt: skip
