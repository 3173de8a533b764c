"""What a leader's phone keeps for use without signal: a few compressed bundles, the doors first."""

import gzip
import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.cast import (
    MARYVILLE,
    make_client,
    make_cycle,
    make_gathering,
    make_household,
    make_turf,
    make_voter,
    offset,
)

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def bundle(client, part: str, **headers) -> dict:
    response = client.get(reverse("field:offline_bundle", args=[part]), **headers)
    assert response.status_code == 200
    body = (
        gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    )
    return json.loads(body)


def test_the_doors_part_carries_home_the_door_list_and_every_knock_screen(alice, lists):
    pages = bundle(make_client(alice), "doors")["pages"]
    knocks = [reverse("field:knock", args=[home.pk]) for home in lists.homes]
    assert list(pages) == [reverse("home"), reverse("field:doors"), *knocks]
    # Each page is the one a tap on the phone would get, for this leader, with a form to log on.
    assert "102 Elm St" in pages[knocks[1]] and "data-record" in pages[knocks[1]]
    assert "102 Elm St" in pages[reverse("field:doors")]


def test_the_calls_part_carries_the_call_list_and_every_call_screen(alice, lists):
    pages = bundle(make_client(alice), "calls")["pages"]
    assert list(pages) == [reverse("field:calls"), *(reverse("field:call", args=[v.pk]) for v in lists.calls)]


def test_the_rest_carries_my_lists_gatherings_account_and_security(alice, lists):
    gathering = make_gathering(alice)
    body = bundle(make_client(alice), "more")
    turf = reverse("turf:detail", args=[lists.alice_turf.pk])
    # "My lists" redirects to the leader's turf: the phone keeps that page under both addresses.
    assert body["aliases"] == {reverse("turf:mine"): turf}
    assert set(body["pages"]) == {
        turf,
        reverse("events:gathering", args=[gathering.pk]),
        reverse("account_email"),
        reverse("mfa_index"),
        reverse("leaders:devices"),
    }
    assert "The Lions Club" in body["pages"][reverse("events:gathering", args=[gathering.pk])]


def test_a_leader_gets_only_their_own_doors(bob, lists):
    pages = bundle(make_client(bob), "doors")["pages"]
    assert not any("Elm" in html for html in pages.values())
    assert all(not path.startswith("/turf/doors/") or path == reverse("field:doors") for path in pages)


def test_a_waiting_message_is_left_for_the_next_page_not_kept_on_every_copy(alice, lists):
    client = make_client(alice)
    # Saving without JavaScript leaves "Saved." for the page the leader opens next.
    client.post(reverse("field:record"), {"uuid": str(uuid.uuid4()), "channel": "door", "result": "not_home",
                                          "household": lists.homes[0].pk, "next": reverse("field:doors")})  # fmt: skip
    pages = bundle(client, "doors")["pages"]
    assert not any("Saved." in html for html in pages.values())
    assert "Saved." in client.get(reverse("field:doors")).text


@pytest.mark.parametrize("part", ["doors", "calls", "more"])
def test_only_a_leader_gets_a_bundle(carol, sam, lists, part):
    url = reverse("field:offline_bundle", args=[part])
    assert make_client(None).get(url).status_code == 302  # to sign-in
    assert make_client(carol).get(url).status_code == 404
    assert make_client(sam).get(url).status_code == 404


def test_an_unknown_part_is_a_404(alice, lists):
    assert make_client(alice).get(reverse("field:offline_bundle", args=["secrets"])).status_code == 404


def test_the_home_screen_lists_what_it_counts_as_ready(alice, lists):
    home = make_client(alice).get(reverse("home"))
    expected = {
        "doors": {"lists": [reverse("home"), reverse("field:doors")],
                  "screens": [reverse("field:knock", args=[home.pk]) for home in lists.homes]},
        "calls": {"lists": [reverse("field:calls")],
                  "screens": [reverse("field:call", args=[voter.pk]) for voter in lists.calls]},
    }  # fmt: skip
    assert home.context["offline_pages"] == expected
    assert 'id="offline-pages"' in home.text and "data-readiness" in home.text


# --- the bytes and requests a full list costs a phone ---------------------------------------------------


def full_lists(leader):
    """A full list as the program cuts it: 50 neighbors to call, 100 voters at 58 doors."""
    cycle = make_cycle()
    callees = [make_voter(make_household(offset(MARYVILLE, 30 * i, 500)), first=f"Callee{i}", phone=True, score=80)
               for i in range(50)]  # fmt: skip
    homes = [
        make_household(offset(MARYVILLE, 0, 20 * i), street="Elm", number=100 + 2 * i) for i in range(58)
    ]
    voters = [make_voter(home, first=f"Door{i}a") for i, home in enumerate(homes)]
    voters += [make_voter(home, first=f"Door{i}b") for i, home in enumerate(homes[:42])]
    make_turf(leader, cycle=cycle, calls=callees, doors=voters)
    return homes


def asset_bytes(url: str) -> int:
    """What whitenoise sends for a static file: its gzip-compressed form."""
    path = finders.find(url.removeprefix("/static/"))
    with open(path, "rb") as file:
        return len(gzip.compress(file.read(), 9))


def test_a_full_list_reaches_the_phone_in_a_few_compressed_requests(alice, settings):
    """From the home screen on the phone to both lists kept: ≤ 10 requests, ≤ 250 kB on the wire, all told."""
    settings.DEBUG = False
    homes = full_lists(alice)
    client = make_client(alice)
    home = client.get(reverse("home"), **GZIP)
    shown = {reverse("home"): len(home.content)}  # the home screen, as the browser loads it
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text):
        shown[url] = asset_bytes(url)
    worker = client.get(reverse("field:service_worker"), **GZIP)
    prefetch = {reverse("field:service_worker"): len(worker.content)}
    # The worker keeps the app shell at install: what the home screen did not load already is fetched.
    assert worker["Content-Encoding"] == "gzip"
    script = gzip.decompress(worker.content).decode()
    for url in json.loads(re.search(r"const ASSETS = (\[.*?\]);", script).group(1)):
        if url not in shown:
            prefetch[url] = asset_bytes(url)
    kept = {}
    for part in ("doors", "calls"):
        response = client.get(reverse("field:offline_bundle", args=[part]), **GZIP)
        assert response["Content-Encoding"] == "gzip"
        prefetch[response.request["PATH_INFO"]] = len(response.content)
        kept |= json.loads(gzip.decompress(response.content))["pages"]

    knocks = [path for path in kept if re.fullmatch(r"/turf/doors/\d+/", path)]
    calls = [path for path in kept if re.fullmatch(r"/calls/\d+/", path)]
    assert (len(knocks), len(calls)) == (58, 50)
    assert reverse("field:knock", args=[homes[-1].pk]) in kept
    total = sum(shown.values()) + sum(prefetch.values())
    print(f"\nhome screen: {len(shown)} requests, {sum(shown.values()) / 1000:.1f} kB;"
          f" then {len(prefetch)} requests, {sum(prefetch.values()) / 1000:.1f} kB keep"
          f" {len(kept)} pages ({sum(map(len, kept.values())) / 1000:.0f} kB of HTML)")  # fmt: skip
    for url, size in prefetch.items():
        print(f"  {size / 1000:7.1f} kB  {url}")
    assert len(prefetch) <= 10
    assert total <= 250_000
