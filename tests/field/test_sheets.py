"""The printed call and walk sheets: a working code per door, and no party guess on paper."""

import re

import pytest
import qrcode
from django.urls import reverse

from contacts.models import Score
from tests.cast import MARYVILLE, make_client, make_cycle, make_household, make_turf, make_voter, offset

pytestmark = pytest.mark.django_db


@pytest.fixture
def turf(alice):
    homes = [make_household(offset(MARYVILLE, 0, 40 * i), street="Elm", number=100 + 2 * i) for i in range(3)]
    leaning_away = make_voter(homes[0], first="Rita")
    Score.objects.create(voter=leaning_away, value=10)
    doors = [leaning_away, make_voter(homes[1], first="Hal"), make_voter(homes[2], first="Ida")]
    caller = make_voter(homes[2], first="Cal", phone=True, score=90)
    return make_turf(alice, cycle=make_cycle(), calls=[caller], doors=doors)


def drawn_modules(svg: str) -> set[tuple[int, int]]:
    """Read back the dark modules an inline QR path draws: one stroke per run of a row."""
    dark = set()
    x = y = 0
    for move, dx, row, length in re.findall(r"([Mm])(-?\d+) (\d+)(?:\.5)?h(\d+)", svg):
        x, y = (int(dx), int(row)) if move == "M" else (x + int(dx), y)
        dark.update((x + i, y) for i in range(int(length)))
        x += int(length)
    return dark


def test_each_door_s_code_draws_exactly_the_qr_code_of_its_household_page(turf, alice):
    client = make_client(alice)
    text = client.get(reverse("field:walk_sheet", args=[turf.pk])).text
    codes = re.findall(r'<svg class="qr".*?</svg>', text)
    households = [entry.household for entry in turf.entries.doors().order_by("household__house_number")]
    assert len(codes) == len(households) == 3
    for svg, household in zip(codes, households, strict=True):
        url = "http://testserver" + reverse("turf:household", args=[household.pk])
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=0)
        code.add_data(url)
        code.make(fit=True)
        expected = {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}
        assert drawn_modules(svg) == expected


def test_neither_sheet_prints_a_likely_party_or_a_model_score(turf, alice):
    client = make_client(alice)
    for name in ("field:walk_sheet", "field:call_sheet"):
        text = client.get(reverse(name, args=[turf.pk])).text
        assert re.findall(r"likely|score|republican|democrat", text, re.IGNORECASE) == [], name


def test_the_walk_sheet_has_a_box_per_door_result_and_per_person_answer(turf, alice):
    text = make_client(alice).get(reverse("field:walk_sheet", args=[turf.pk])).text
    door_ticks = re.findall(r'<p class="ticks door-ticks">(.*?)</p>', text)
    person_ticks = re.findall(r'<p class="ticks id-ticks">(.*?)</p>', text)
    assert len(door_ticks) == 3 and len(person_ticks) == 3
    assert re.findall(r'<span class="tick">(.*?)</span>', door_ticks[0]) == [
        "Talked", "Not home", "Left literature", "Refused", "Inaccessible", "Hostile",
    ]  # fmt: skip
    assert re.findall(r'<span class="tick">(.*?)</span>', person_ticks[0]) == [
        "1", "2", "3", "4", "5", "R", "Moved", "Died",
    ]  # fmt: skip
