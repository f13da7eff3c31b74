"""The permission ladder of every editor page of the public site (namespace `portal_editor`).

Anonymous → the sign-in page; signed-in staff without `portal.edit` (statistics, case workers, model editors) → 403;
a portal editor who has not given the second factor → the second-factor page; a portal editor → served. Editors, in
turn, get nothing of the cases: their role holds no case capability.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.core.capabilities import Capability
from opennrm.portal.models import Status
from tests.factories import RoleFactory, UserFactory

ANONYMOUS, STAFF, CASEWORKER, MODEL_EDITOR, EDITOR = "anonymous", "staff", "caseworker", "model_editor", "editor"
CAPABILITIES = {
    STAFF: [Capability.STATS_VIEW, Capability.COORDINATION_VIEW],
    CASEWORKER: [Capability.CASES_VIEW, Capability.CASES_EDIT, Capability.PERSONAL_DATA_VIEW],
    MODEL_EDITOR: [Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT],
    EDITOR: [Capability.PORTAL_EDIT],
}


@dataclass(frozen=True)
class Route:
    method: str = "get"
    kwargs: tuple[str, ...] = ()
    data: dict = field(default_factory=dict)


ITEM = ("item",)
EVENT = ("event",)
PUBLICATION_FILE = ("publication", "file")
TRANSLATION = ("item", "language")
REVISION = ("item", "language", "number")

ROUTES: dict[str, Route] = {
    "portal_editor:index": Route(),
    "portal_editor:item_new": Route(kwargs=("kind",)),
    "portal_editor:item": Route(kwargs=ITEM),
    "portal_editor:item_details": Route(kwargs=EVENT),
    "portal_editor:item_archive": Route("post", ITEM),
    "portal_editor:item_restore": Route("post", ("archived",)),
    "portal_editor:file_add": Route(kwargs=("publication",)),
    "portal_editor:file_download": Route(kwargs=PUBLICATION_FILE),
    "portal_editor:file_remove": Route("post", PUBLICATION_FILE),
    "portal_editor:translation": Route(kwargs=TRANSLATION),
    "portal_editor:translation_status": Route("post", ("draft_item", "language"), {"action": "publish"}),
    "portal_editor:preview": Route(kwargs=("draft_item", "language")),
    "portal_editor:revisions": Route(kwargs=TRANSLATION),
    "portal_editor:revision": Route(kwargs=REVISION),
    "portal_editor:revision_restore": Route("post", REVISION),
}
COVERED_ROUTES: set[str] = set(ROUTES)


def _editor_routes() -> set[str]:
    resolver = get_resolver()
    return {
        f"portal_editor:{name}"
        for name in resolver.namespace_dict["portal_editor"][1].reverse_dict
        if isinstance(name, str)
    }


def test_every_editor_route_is_on_the_ladder():
    assert _editor_routes() == COVERED_ROUTES


@pytest.fixture
def ladder(portal_content):
    world = portal_content
    users = {
        rung: UserFactory(roles=[RoleFactory(capabilities=list(capabilities))])
        for rung, capabilities in CAPABILITIES.items()
    }
    archived = world.news_archived
    kwargs = {
        "kind": ("kind", "news"),
        "item": ("item_id", world.news_all.pk),
        "event": ("item_id", world.event_upcoming.pk),
        "archived": ("item_id", archived.pk),
        "publication": ("item_id", world.publication.pk),
        "file": ("file_id", world.publication_docx.pk),
        "draft_item": ("item_id", world.news_draft.pk),
        "language": ("language", "lv"),
        "number": ("number", 1),
    }
    return users, kwargs


def _request(client, route: Route, name: str, kwargs: dict):
    url = reverse(name, kwargs=dict(kwargs[key] for key in route.kwargs))
    return getattr(client, route.method)(url, data=route.data)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_is_sent_to_sign_in(client, ladder, name):
    _users, kwargs = ladder
    response = _request(client, ROUTES[name], name, kwargs)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("rung", [STAFF, CASEWORKER, MODEL_EDITOR])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_staff_without_portal_edit_are_refused(client, ladder, name, rung):
    users, kwargs = ladder
    force_login_verified(client, users[rung])
    response = _request(client, ROUTES[name], name, kwargs)
    assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_editor_is_served(client, ladder, name):
    users, kwargs = ladder
    force_login_verified(client, users[EDITOR])
    response = _request(client, ROUTES[name], name, kwargs)
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert "/accounts/" not in response["Location"]
        assert "/editor/" in response["Location"]


def test_editor_pages_are_never_cached(client, ladder):
    users, kwargs = ladder
    force_login_verified(client, users[EDITOR])
    response = _request(client, ROUTES["portal_editor:preview"], "portal_editor:preview", kwargs)
    assert "no-store" in response["Cache-Control"]


def test_editor_without_second_factor_is_sent_to_it(client, ladder):
    users, kwargs = ladder
    client.force_login(users[EDITOR])  # signed in with the password only
    response = client.get(reverse("portal_editor:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_refused_writes_change_nothing(client, ladder, portal_content):
    users, kwargs = ladder
    force_login_verified(client, users[CASEWORKER])
    name = "portal_editor:translation_status"
    assert _request(client, ROUTES[name], name, kwargs).status_code == 403
    draft = portal_content.news_draft.translations.get(language="lv")
    assert draft.status == Status.DRAFT


def test_unknown_item_answers_404_to_the_editor(client, ladder):
    users, _kwargs = ladder
    force_login_verified(client, users[EDITOR])
    assert client.get(reverse("portal_editor:item", kwargs={"item_id": 999999})).status_code == 404
    assert client.get(reverse("portal_editor:item_new", kwargs={"kind": "case"})).status_code == 404
    url = reverse("portal_editor:translation", kwargs={"item_id": 999999, "language": "de"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["cases:list", "cases:inbox", "cases:search", "cases:new"])
def test_editor_sees_no_case_data(client, ladder, name):
    users, _kwargs = ladder
    force_login_verified(client, users[EDITOR])
    assert client.get(reverse(name)).status_code == 403


def test_editor_gets_no_case_through_the_api(client, ladder):
    from opennrm.accounts.services import api_token_issue

    users, _kwargs = ladder
    _token, secret = api_token_issue(user=users[EDITOR], name="ladder")
    response = client.get(reverse("api-v1:list_cases"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code in {403, 404}
