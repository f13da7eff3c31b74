"""The permission ladder for every screening page and endpoint, on the project-wide ladder's world and rungs.

Anyone may screen on the web; saving needs a signed-in account (any role); the API needs a token or a session.
"""

import json

import pytest
from django.urls import reverse

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash
from opennrm.screening.models import Screening
from tests.jurisdiction.views_fixtures import PACK_CODE
from tests.screening.fixtures import adult_set
from tests.test_permissions import ANONYMOUS, CASEWORKER, EVERYONE, SIGNED_IN, World

SET_ID = "test_adult_labour"
ANSWERS = {"tal_deceived_about_job": "yes"}

# name: (allowed rungs, method, kwargs, JSON body for the API or form data for a page)
PAGES = {
    "screening:start": (EVERYONE, "get", {}, None),
    # Without a screening token the step and result pages answer 400 with the start form: served, not refused.
    "screening:step": (EVERYONE, "get", {}, None),
    "screening:result": (EVERYONE, "get", {}, None),
    "screening:print_form": (EVERYONE, "get", {"set_id": SET_ID}, None),
    "screening:save": (SIGNED_IN, "post", {}, {"state": "not-a-token"}),
    # Starting a referral opens a case: only for staff who work with cases.
    "screening:refer": ({CASEWORKER}, "post", {}, {"state": "not-a-token"}),
}
API = {
    "api-v1:list_sets": (SIGNED_IN, "get", {}, None),
    "api-v1:list_indicators": (SIGNED_IN, "get", {"set_id": SET_ID}, None),
    "api-v1:evaluate": (SIGNED_IN, "post", {}, {"set": SET_ID, "answers": ANSWERS}),
    "api-v1:save_screening": (SIGNED_IN, "post", {}, {"answers": {SET_ID: ANSWERS}}),
}


@pytest.fixture
def world(db, settings):
    settings.OPENNRM_PACK = PACK_CODE
    built = World()
    content = dict(built.published.content, indicator_sets=[adult_set()])
    ModelVersion.objects.filter(pk=built.published.pk).update(content=content, content_hash=content_hash(content))
    return built


def _served(response) -> bool:
    return response.status_code in {200, 201, 302, 400} and "/accounts/login/" not in response.get("Location", "")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages(client, world, name):
    allowed, method, kwargs, data = PAGES[name]
    outcomes = {}
    for rung in sorted(EVERYONE):
        client.logout()
        if rung != ANONYMOUS:
            force_login_verified(client, world.users[rung])
        response = getattr(client, method)(reverse(name, kwargs=kwargs), data=data)
        outcomes[rung] = _served(response)
    assert outcomes == {rung: rung in allowed for rung in EVERYONE}


@pytest.mark.parametrize("name", sorted(API))
def test_api(client, world, name):
    allowed, method, kwargs, body = API[name]
    outcomes = {}
    for rung in sorted(EVERYONE):
        headers = {}
        if rung != ANONYMOUS:
            _token, secret = api_token_issue(user=world.users[rung], name="ladder")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        url = reverse(name, kwargs=kwargs)
        if method == "post":
            response = client.post(url, json.dumps(body), content_type="application/json", **headers)
        else:
            response = client.get(url, **headers)
        assert response.status_code in {200, 201, 401}, (rung, response.content)
        outcomes[rung] = response.status_code != 401
    assert outcomes == {rung: rung in allowed for rung in EVERYONE}


def test_every_saved_row_is_anonymous(client, world):
    """Whoever saves, the row holds their institution's kind and place, never who they are."""
    for rung in sorted(SIGNED_IN):
        _token, secret = api_token_issue(user=world.users[rung], name="ladder")
        client.post(
            reverse("api-v1:save_screening"),
            json.dumps({"answers": {SET_ID: ANSWERS}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
    rows = list(Screening.objects.values())
    assert len(rows) == len(SIGNED_IN)
    usernames = {user.username for user in world.users.values()}
    for row in rows:
        assert not usernames & {str(value) for value in row.values()}
        assert row["institution_type"] == "social_service"
