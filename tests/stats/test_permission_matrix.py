"""Who may use the statistics pages and API: anonymous → staff without stats.view → statistician → coordinator →
rapporteur. Every rung that is let in gets aggregates only: no response ever holds a name, a personal code, a
phone number or a case reference, even with a real case (opened through the case services) behind the numbers.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from opennrm.accounts.models import Role
from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.stats.services.release import release_publish
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.cases.steps import identify, to_identification
from tests.factories import UserFactory
from tests.stats.test_report import YEAR, seed_year

ANONYMOUS, STAFF, STATISTICIAN, COORDINATOR, RAPPORTEUR = (
    "anonymous",
    "staff",
    "statistician",
    "coordinator",
    "rapporteur",
)
RUNGS = (ANONYMOUS, STAFF, STATISTICIAN, COORDINATOR, RAPPORTEUR)
READERS = {STATISTICIAN, COORDINATOR, RAPPORTEUR}
PUBLISHERS = {RAPPORTEUR}


@dataclass(frozen=True)
class Route:
    allowed: frozenset[str]
    method: str = "get"
    args: tuple = ()
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    api: bool = False
    public: bool = False


PAGES = {
    "stats:dashboard": Route(frozenset(READERS), query={"year": YEAR}),
    "stats:table_download": Route(frozenset(READERS), args=("pathway",), query={"year": YEAR, "format": "csv"}),
    "stats:report": Route(frozenset(READERS), query={"year": YEAR, "language": "en", "format": "html"}),
    "stats:publish": Route(frozenset(PUBLISHERS), query={"year": YEAR}),
    "stats:withdraw": Route(frozenset(PUBLISHERS), args=("release",)),
}
API = {
    "api-v1:stats_tables": Route(frozenset(READERS), api=True),
    "api-v1:stats_table": Route(frozenset(READERS), api=True),
    "api-v1:stats_release_published": Route(frozenset(RUNGS), api=True, public=True),
}
API_PATHS = {
    "api-v1:stats_tables": f"/api/v1/stats/years/{YEAR}/tables",
    "api-v1:stats_table": f"/api/v1/stats/years/{YEAR}/tables/victims_by_form_sex",
    "api-v1:stats_release_published": "/api/v1/stats/releases/latest",
}
COVERED_ROUTES: set[str] = set(PAGES) | set(API)


@pytest.fixture
def world(case_world, make_fact):
    """A real identified case (its person is the synthetic one), synthetic facts, a publication and every rung."""
    case, _referral = to_identification(case_world)
    identify(case_world, case)
    seed_year(make_fact)
    published = release_publish(year=YEAR, by=case_world.rapporteur)
    roles = {code: Role.objects.get(code=code) for code in ("statistician", "case_manager")}
    users = {
        STAFF: UserFactory(username="test.staff", roles=[roles["case_manager"]]),
        STATISTICIAN: UserFactory(username="test.statistician", roles=[roles["statistician"]]),
        COORDINATOR: case_world.coordinator,
        RAPPORTEUR: case_world.rapporteur,
    }
    return case_world, case, published, users


def page_url(name: str, route: Route, published) -> str:
    args = [published.pk if arg == "release" else arg for arg in route.args]
    return reverse(name, args=args)


def assert_no_personal_data(content: bytes, case) -> None:
    text = content.decode("utf-8", errors="replace")
    person = SYNTHETIC_PERSON
    secrets = (person.full_name, person.family_name, person.personal_code, person.phone, person.email, person.address)
    for secret in (*secrets, case.reference):
        assert secret not in text


def test_every_statistics_route_is_covered():
    from django.urls import get_resolver

    from tests.test_permissions import _routes

    stats_routes = {name for name in _routes(get_resolver().url_patterns) if name.startswith("stats:")}
    stats_routes |= {name for name in _routes(get_resolver().url_patterns) if name.startswith("api-v1:stats_")}
    assert stats_routes == COVERED_ROUTES


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages(client, world, name, rung):
    _case_world, case, published, users = world
    route = PAGES[name]
    if rung != ANONYMOUS:
        force_login_verified(client, users[rung])
    url = page_url(name, route, published)
    response = getattr(client, route.method)(url, route.query or route.data)
    if rung == ANONYMOUS:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif rung in route.allowed:
        assert response.status_code == 200
        assert_no_personal_data(response.content, case)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("rung", [STAFF, STATISTICIAN, COORDINATOR])
def test_only_publishers_can_publish_or_withdraw_by_post(client, world, rung):
    _case_world, _case, published, users = world
    force_login_verified(client, users[rung])
    assert client.post(reverse("stats:publish"), {"year": YEAR, "confirm": "on"}).status_code == 403
    assert client.post(reverse("stats:withdraw", args=[published.pk]), {"confirm": "on"}).status_code == 403
    published.refresh_from_db()
    assert published.withdrawn_at is None


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", sorted(API))
def test_api(client, world, name, rung):
    _case_world, case, _published, users = world
    route = API[name]
    headers = {}
    if rung != ANONYMOUS:
        _token, secret = api_token_issue(user=users[rung], name="Ladder")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    response = client.get(API_PATHS[name], **headers)
    if route.public or rung in route.allowed:
        assert response.status_code == 200
        assert_no_personal_data(response.content, case)
    elif rung == ANONYMOUS:
        assert response.status_code == 401
    else:
        assert response.status_code == 403
