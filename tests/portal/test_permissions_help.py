"""The permission ladder of the public help pages (`portal:*` of help_urls.py): every page is public — served to
an anonymous visitor and to every member of staff alike, with no sign-in asked and no page refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.core.capabilities import Capability
from opennrm.portal import help_finder, help_urls
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS, STAFF, CASEWORKER, EDITOR = "anonymous", "staff", "caseworker", "editor"
CAPABILITIES = {
    STAFF: [Capability.STATS_VIEW],
    CASEWORKER: [Capability.CASES_VIEW, Capability.CASES_EDIT, Capability.PERSONAL_DATA_VIEW],
    EDITOR: [Capability.PORTAL_EDIT],
}
RUNGS = (ANONYMOUS, *CAPABILITIES)

# Route → (method, address arguments, form data).
ROUTES: dict[str, tuple[str, dict, dict]] = {
    "portal:help": ("post", {}, {"municipality": "riga", "situation": "exploited"}),
    "portal:self_check": ("get", {}, {}),
    "portal:self_check_track": ("post", {"track_id": "exploitation"}, {"step": "1", "action": "next"}),
    "portal:indicators": ("get", {}, {}),
    "portal:indicator_set": ("get", {"set_id": "adult_labour"}, {}),
    "portal:statistics": ("get", {}, {}),
}
COVERED_ROUTES: set[str] = set(ROUTES)


def test_every_help_route_is_covered():
    assert {f"portal:{pattern.name}" for pattern in help_urls.urlpatterns} == COVERED_ROUTES


@pytest.fixture(autouse=True)
def fresh_header():
    help_finder.header_numbers_forget()


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_help_page_is_public(client, case_world, name, rung):
    method, kwargs, data = ROUTES[name]
    if rung != ANONYMOUS:
        force_login_verified(client, UserFactory(roles=[RoleFactory(capabilities=list(CAPABILITIES[rung]))]))
    response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 200, (name, rung, response.status_code)
    assert "/accounts/login/" not in response.get("Location", "")


@pytest.mark.parametrize("name", ["portal:self_check", "portal:self_check_track"])
def test_the_self_check_pages_answer_a_plain_get(client, case_world, name):
    kwargs = ROUTES[name][1]
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 200
