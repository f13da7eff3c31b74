"""The permission ladder of the public content pages (`portal:*` of public_urls.py) and the language-free documents
(`portal_root:*`): everyone is served, signed in or not, and everyone sees only what is published — an editor's
draft is not on the public site for its editor either (they preview it in the editor).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.core.capabilities import Capability
from opennrm.portal import public_urls, root_urls
from opennrm.portal.models import Kind, Status
from tests.factories import RoleFactory, UserFactory
from tests.portal.conftest import add_file, make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


pytestmark = pytest.mark.django_db

ANONYMOUS, STAFF, CASEWORKER, EDITOR = "anonymous", "staff", "caseworker", "editor"
CAPABILITIES = {
    STAFF: [Capability.STATS_VIEW],
    CASEWORKER: [Capability.CASES_VIEW, Capability.CASES_EDIT, Capability.PERSONAL_DATA_VIEW],
    EDITOR: [Capability.PORTAL_EDIT],
}
RUNGS = (ANONYMOUS, *CAPABILITIES)


@dataclass(frozen=True)
class Route:
    """`published` fills the address with something public; `unpublished`, if given, with a draft (→ 404)."""

    published: dict
    unpublished: dict | None = None
    content_type: str = "text/html; charset=utf-8"


ROUTES: dict[str, Route] = {
    "portal:news_list": Route({}),
    "portal:news_rss": Route({}, content_type="application/rss+xml; charset=utf-8"),
    "portal:news_atom": Route({}, content_type="application/atom+xml; charset=utf-8"),
    "portal:news_item": Route({"slug": "all-languages"}, {"slug": "draft-news"}),
    "portal:events": Route({}),
    "portal:events_month": Route({"year": 2025, "month": 6}),
    "portal:events_list": Route({}),
    "portal:events_ics": Route({}, content_type="text/calendar; charset=utf-8"),
    "portal:event": Route({"slug": "past-event"}, {"slug": "draft-event"}),
    "portal:event_ics": Route({"slug": "past-event"}, {"slug": "draft-event"}, "text/calendar; charset=utf-8"),
    "portal:publications": Route({}),
    "portal:publication": Route({"slug": "general-model"}, {"slug": "draft-publication"}),
    "portal:publication_file": Route(
        {"slug": "general-model", "token": "pdf"}, {"slug": "draft-publication", "token": "draft"}, "application/pdf"
    ),
    "portal:page": Route({"slug": "about"}, {"slug": "draft-page"}),
    "portal:search": Route({}),
    "portal_root:sitemap": Route({}, content_type="application/xml; charset=utf-8"),
    "portal_root:sitemap_language": Route({"language": "en"}, content_type="application/xml; charset=utf-8"),
    "portal_root:robots": Route({}, content_type="text/plain; charset=utf-8"),
}
COVERED_ROUTES: set[str] = set(ROUTES)


def test_every_public_content_route_is_on_the_ladder():
    declared = {f"portal:{pattern.name}" for pattern in public_urls.urlpatterns}
    declared |= {f"portal_root:{pattern.name}" for pattern in root_urls.urlpatterns}
    assert declared == COVERED_ROUTES


@pytest.fixture
def world(portal_content):
    drafts = {"lv": (Status.DRAFT, None), "en": (Status.DRAFT, None)}
    make_content(kind=Kind.EVENT, slug="draft-event", versions=drafts, event={"starts_at": portal_content.now})
    draft_publication = make_content(
        kind=Kind.PUBLICATION,
        slug="draft-publication",
        versions=drafts,
        publication={"published_on": portal_content.now.date()},
    )
    portal_content.draft_file = add_file(
        item=draft_publication, language="", name="draft.pdf", content=b"%PDF-1.4 draft", content_type="application/pdf"
    )
    make_content(kind=Kind.PAGE, slug="draft-page", versions=drafts)
    return portal_content


def address(world, name: str, kwargs: dict) -> str:
    files = {"pdf": lambda: world.publication_pdf.token, "draft": lambda: world.draft_file.token}
    filled = {key: files[value]() if key == "token" else value for key, value in kwargs.items()}
    return reverse(name, kwargs=filled or None)


def signed_in(client, rung: str):
    if rung != ANONYMOUS:
        role = RoleFactory(code=f"test_public_{rung}", capabilities=CAPABILITIES[rung])
        force_login_verified(client, UserFactory(roles=[role]))
    return client


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_everyone_is_served_the_public_routes(client, world, name, rung):
    route = ROUTES[name]
    client = signed_in(client, rung)
    with_language = name.startswith("portal:")
    path = address(world, name, route.published)
    if with_language:
        assert path.startswith("/en/")
    response = client.get(path)
    assert response.status_code == 200, (name, rung, path)
    assert response["Content-Type"] == route.content_type


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.unpublished is not None))
def test_nobody_gets_unpublished_content_from_the_public_routes(client, world, name, rung):
    client = signed_in(client, rung)
    response = client.get(address(world, name, ROUTES[name].unpublished))
    assert response.status_code == 404, (name, rung)
    assert b"Draft" not in response.content and b"%PDF" not in response.content


@pytest.mark.parametrize("rung", (ANONYMOUS, EDITOR))
def test_lists_and_documents_hold_only_published_content(client, world, rung):
    client = signed_in(client, rung)
    for name in ("portal:news_list", "portal:events_list", "portal:publications", "portal:news_rss"):
        content = client.get(reverse(name)).content.decode()
        assert "Draft" not in content and "Archived news" not in content, name
    assert "Draft" not in client.get(reverse("portal:events_ics")).content.decode()
    assert "Draft" not in client.get(reverse("portal:search"), {"q": "draft"}).content.decode().split("<main", 1)[1]
    assert "draft-" not in client.get("/sitemap-en.xml").content.decode()


def test_the_public_routes_accept_no_writes(client, world):
    for name, route in ROUTES.items():
        response = client.post(address(world, name, route.published))
        assert response.status_code in (403, 405), name
