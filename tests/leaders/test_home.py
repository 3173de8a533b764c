from django.urls import reverse

from tests.conftest import make_client


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
