"""Staff open the dashboard and the coverage page on a 360 px phone: chart, map and legends render, nothing errs."""

import pytest

from tests.dashboard.world import make_program
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_dashboard_draws_its_chart_and_the_coverage_page_its_map_at_360_px(
    page, live_server, alice, bob, sam, tmp_path
):
    make_program(alice, bob)
    problems = watch_console(page)
    sign_in_browser(page, sam, live_server.url)

    page.goto("/")
    page.locator("main").get_by_role("link", name="The dashboard").click()
    page.get_by_role("heading", name="Active leaders over time, against the goal line").wait_for()
    chart = page.locator("svg[data-chart]")
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    assert chart.locator("polyline.goal").count() == 1 and chart.locator("polyline.actual").count() == 1
    assert chart.locator("circle").count() == 3  # the three milestones
    assert page.locator("[data-legend] li").count() == 3
    assert page_width(page) <= 360
    chart.screenshot(path=tmp_path / "chart-360.png")
    page.screenshot(path=tmp_path / "dashboard-360.png", full_page=True)

    page.get_by_role("link", name="Coverage of every county, with a map").click()
    page.get_by_role("heading", name="Every county").wait_for()
    county_map = page.locator("svg[data-map]")
    assert county_map.locator("path").count() == 115
    box = county_map.bounding_box()
    assert box["width"] > 200 and box["height"] > 150
    assert page.locator("[data-legend] li").count() == 7  # five bins, no number, rural
    assert page.locator("tr[data-county]").count() == 116
    # The table scrolls inside itself; the page does not get wider than the phone.
    assert page_width(page) <= 360

    page.get_by_role("link", name="Households inside a leader's turf").click()
    page.get_by_role("heading", name="Map: Households inside a leader's turf").wait_for()
    page.locator("svg[data-map]").screenshot(path=tmp_path / "map-360.png")
    page.screenshot(path=tmp_path / "coverage-360.png", full_page=True)
    assert problems == []
