from django.urls import reverse

from tests.cast import make_client


def test_it_welcomes_anonymous_visitors_with_a_sign_in_link(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("account_login") in response.text


def test_it_greets_a_leader_by_role(alice):
    response = make_client(alice).get(reverse("home"))
    assert response.status_code == 200
    assert "Neighborhood leader" in response.text


def test_it_names_a_coordinators_counties(carol):
    response = make_client(carol).get(reverse("home"))
    assert "Nodaway" in response.text


def test_it_shows_each_role_only_its_own_areas(alice, carol, sam, cathy):
    def labels(user):
        return [item["label"] for item in make_client(user).get(reverse("home")).context["nav_items"]]

    assert {"Calls", "Doors", "My lists"} <= set(labels(alice)) and "Admin" not in labels(alice)
    assert "Turf" in labels(carol) and not {"Admin", "Voter file", "Calls"} & set(labels(carol))
    assert {"Turf", "Voter file", "Admin"} <= set(labels(sam))
    assert not {"Turf", "Calls", "Admin", "Voter file"} & set(labels(cathy))
