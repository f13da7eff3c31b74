"""The permission ladder for every page and API endpoint: anonymous → wrong role or institution → right role.

Each app's tests check its rules in depth; this module is the index that proves no route was forgotten.
`test_every_route_is_in_the_matrix` fails when a route is added without a line here.
"""

import importlib
import json
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.core.capabilities import Capability
from opennrm.directory.models import Municipality
from opennrm.jurisdiction.models import ModelVersion
from tests.factories import (
    ContactPointFactory,
    InstitutionFactory,
    InstitutionTypeFactory,
    RoleFactory,
    UnitFactory,
    UserFactory,
)
from tests.jurisdiction.views_fixtures import PACK_CODE, edited_content, make_version

# The rungs of the ladder. "staff" is signed in with no capability that matters here.
ANONYMOUS, STAFF, WORKGROUP, EDITOR, COORDINATOR, ADMIN_A, ADMIN_B, AUDITOR = (
    "anonymous",
    "staff",
    "workgroup",
    "editor",
    "coordinator",
    "admin_a",
    "admin_b",
    "auditor",
)
# Case work: a worker who opens cases, a holder of emergency access, and national oversight (counts only).
CASEWORKER, EMERGENCY, OVERSEER = "caseworker", "emergency", "overseer"
EVERYONE = frozenset(
    {ANONYMOUS, STAFF, WORKGROUP, EDITOR, COORDINATOR, ADMIN_A, ADMIN_B, AUDITOR, CASEWORKER, EMERGENCY, OVERSEER}
)
SIGNED_IN = EVERYONE - {ANONYMOUS}

CAPABILITIES = {
    STAFF: [Capability.STATS_VIEW],
    WORKGROUP: [Capability.MODEL_VIEW_DRAFTS],
    EDITOR: [Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT],
    COORDINATOR: [
        Capability.MODEL_VIEW_DRAFTS,
        Capability.MODEL_EDIT,
        Capability.MODEL_PUBLISH,
        Capability.DIRECTORY_EDIT,
        Capability.DIRECTORY_EDIT_ALL,
        Capability.AUDIT_VIEW,
        Capability.AUDIT_VIEW_ALL,
    ],
    ADMIN_A: [Capability.USERS_MANAGE, Capability.DIRECTORY_EDIT],
    ADMIN_B: [Capability.USERS_MANAGE, Capability.DIRECTORY_EDIT],
    AUDITOR: [Capability.AUDIT_VIEW],
    CASEWORKER: [Capability.CASES_VIEW, Capability.CASES_EDIT, Capability.PERSONAL_DATA_VIEW],
    EMERGENCY: [Capability.CASES_VIEW, Capability.PERSONAL_DATA_VIEW, Capability.CASES_BREAK_GLASS],
    OVERSEER: [Capability.CASES_OVERSEE],
}


@dataclass(frozen=True)
class Route:
    """Who may use a route. `kwargs` are filled from the world's objects by name (see `World.kwargs`)."""

    allowed: frozenset[str]
    method: str = "get"
    kwargs: tuple[str, ...] = ()
    query: str = ""
    api: bool = False
    data: dict = field(default_factory=dict)


def page(allowed, **options) -> Route:
    return Route(frozenset(allowed), **options)


def api(allowed, **options) -> Route:
    return Route(frozenset(allowed), api=True, **options)


DRAFT_EDITORS = {EDITOR, COORDINATOR}
DRAFT_READERS = {WORKGROUP, EDITOR, COORDINATOR}
ENTRY = ("draft", "type_id", "stage_id")
CASE_READERS = {CASEWORKER, EMERGENCY}
AUDIT_READERS = {COORDINATOR, AUDITOR}

MATRIX: dict[str, Route] = {
    "set_language": page(EVERYONE, method="post", data={"language": "en", "next": "/en/"}),
    "core:home": page(EVERYONE),
    # Accounts: the sign-in pages are open; the rest needs a session; user administration needs users.manage
    # and stays within the administrator's own institution.
    "accounts:login": page(EVERYONE),
    "accounts:logout": page(EVERYONE, method="post"),
    "accounts:otp_verify": page(SIGNED_IN),
    "accounts:otp_setup": page(SIGNED_IN),
    "accounts:password_change": page(SIGNED_IN),
    "accounts:tokens": page(SIGNED_IN),
    "accounts:users": page({ADMIN_A, ADMIN_B}),
    "accounts:user_invite": page({ADMIN_A, ADMIN_B}),
    "accounts:user_password_reset": page({ADMIN_A}, method="post", kwargs=("member_a",)),
    "audit:events": page({COORDINATOR, AUDITOR}),
    # The published model and superseded versions are public; drafts are for the working group and editors.
    "jurisdiction:overview": page(EVERYONE),
    "jurisdiction:stage": page(EVERYONE, kwargs=("stage_id",)),
    "jurisdiction:institution_type": page(EVERYONE, kwargs=("type_id",)),
    "jurisdiction:print": page(EVERYONE),
    "jurisdiction:pathway": page(EVERYONE),
    "jurisdiction:version_overview": page(EVERYONE, kwargs=("published",)),
    "jurisdiction:version_stage": page(EVERYONE, kwargs=("published", "stage_id")),
    "jurisdiction:version_institution_type": page(EVERYONE, kwargs=("published", "type_id")),
    "jurisdiction:version_print": page(EVERYONE, kwargs=("published",)),
    "jurisdiction:version_pathway": page(EVERYONE, kwargs=("published",)),
    "jurisdiction:versions": page(EVERYONE),
    "jurisdiction:diff": page(DRAFT_READERS, kwargs=("draft",)),
    "jurisdiction:editor": page(DRAFT_READERS),
    "jurisdiction:draft_create": page(DRAFT_EDITORS, method="post"),
    "jurisdiction:draft": page(DRAFT_READERS, kwargs=("draft",)),
    "jurisdiction:entry_add": page(DRAFT_EDITORS, kwargs=("draft",)),
    "jurisdiction:entry_edit": page(DRAFT_EDITORS, kwargs=ENTRY),
    "jurisdiction:entry_row": page(DRAFT_READERS, kwargs=ENTRY),
    "jurisdiction:entry_remove": page(DRAFT_EDITORS, kwargs=ENTRY),
    "jurisdiction:institution_type_edit": page(DRAFT_EDITORS, kwargs=("draft", "type_id")),
    "jurisdiction:legal_basis_add": page(DRAFT_EDITORS, kwargs=("draft",)),
    "jurisdiction:legal_basis_edit": page(DRAFT_EDITORS, kwargs=("draft", "basis_id")),
    "jurisdiction:publish": page({COORDINATOR}, kwargs=("draft",)),
    # The directory is public reading; contact points are edited by their own institution or the coordinator.
    "directory:institutions": page(EVERYONE),
    "directory:institution": page(EVERYONE, kwargs=("institution_a",)),
    "directory:who_to_call": page(EVERYONE),
    "directory:contact_point_new": page({ADMIN_A, COORDINATOR}, kwargs=("institution_a",)),
    "directory:contact_point_edit": page({ADMIN_A, COORDINATOR}, kwargs=("contact_a",)),
    "directory:contact_point_disable": page({ADMIN_A, COORDINATOR}, kwargs=("contact_a",)),
    # The screening tool needs no sign-in and no personal data; saving a screening needs a signed-in member of staff.
    "screening:start": page(EVERYONE),
    "screening:step": page(EVERYONE),
    "screening:result": page(EVERYONE),
    "screening:save": page(SIGNED_IN, method="post", data={"state": "x"}),
    # Starting a referral from a result opens a case, so it needs cases.edit (a bad state answers 400).
    "screening:refer": page({CASEWORKER}, method="post", data={"state": "x"}),
    # The tiny model here has no indicator sets, so the blank form answers 404 to everyone; the ladder with a
    # real set is in tests/screening/test_views_permissions.py.
    "screening:print_form": page(set(), kwargs=("set_id",)),
    # Cases: lists and finding need cases.view, opening cases.edit; emergency access, oversight and the audit
    # review queue each need their own capability. This world's model has no workflow and no case, so every page
    # of one case, referral or emergency access answers 404 to everyone: their ladders run on the Latvian model
    # in tests/cases (test_views_case.py, test_views_referrals.py, test_views_lists.py).
    "cases:list": page(CASE_READERS),
    "cases:inbox": page(CASE_READERS),
    "cases:search": page(CASE_READERS),
    "cases:new": page({CASEWORKER}),
    "cases:break_glass": page({EMERGENCY}),
    "cases:oversight": page({OVERSEER}),
    "cases:reviews": page(AUDIT_READERS),
    "cases:break_glass_review": page(set(), method="post", kwargs=("access_id",)),
    "cases:detail": page(set(), kwargs=("reference",)),
    "cases:person_edit": page(set(), kwargs=("reference",)),
    "cases:consent_new": page(set(), kwargs=("reference",)),
    "cases:consent_withdraw": page(set(), kwargs=("reference", "consent_id")),
    "cases:referral_new": page(set(), kwargs=("reference",)),
    "cases:transition": page(set(), kwargs=("reference", "transition")),
    "cases:note_new": page(set(), kwargs=("reference",)),
    "cases:task_new": page(set(), kwargs=("reference",)),
    "cases:task_done": page(set(), method="post", kwargs=("reference", "task_id")),
    "cases:document_new": page(set(), kwargs=("reference",)),
    "cases:document_download": page(set(), kwargs=("reference", "document_id")),
    "cases:assign": page(set(), kwargs=("reference",)),
    "cases:referral": page(set(), kwargs=("referral_id",)),
    "cases:referral_accept": page(set(), method="post", kwargs=("referral_id",)),
    "cases:referral_decline": page(set(), kwargs=("referral_id",)),
    "cases:referral_withdraw": page(set(), method="post", kwargs=("referral_id",)),
    "cases:referral_review": page(set(), method="post", kwargs=("referral_id",)),
    # The cases API: the same rules as the pages; a case or referral that is not visible answers 404, and this
    # world has none (the full matrix of roles × institutions × endpoints is tests/cases/test_permission_matrix.py).
    "api-v1:open_case": api({CASEWORKER}, method="post", data={"population": "adult", "nationality": "national"}),
    "api-v1:list_cases": api(CASE_READERS),
    "api-v1:get_inbox": api(CASE_READERS),
    "api-v1:get_case": api(set(), kwargs=("case_id",)),
    "api-v1:get_case_timeline": api(set(), kwargs=("case_id",)),
    "api-v1:record_consent": api(
        set(),
        method="post",
        kwargs=("case_id",),
        data={"purpose": "assistance", "method": "oral", "given_on": "2026-01-05", "recipient_type": "ngo"},
    ),
    "api-v1:send_referral": api(
        set(), method="post", kwargs=("case_id",), data={"to_institution": "test-a", "purpose": "assistance"}
    ),
    "api-v1:accept_referral": api(set(), method="post", kwargs=("referral_id",)),
    "api-v1:decline_referral": api(set(), method="post", kwargs=("referral_id",), data={"reason": "No room."}),
    "api-v1:withdraw_referral": api(set(), method="post", kwargs=("referral_id",)),
    "api-v1:perform_transition": api(set(), method="post", kwargs=("case_id",), data={"transition": "close"}),
    # The API: its description is public; every endpoint needs a token (or a session).
    "api-v1:api-root": api(set()),  # only a name to reverse; it serves nothing
    "api-v1:openapi-json": api(EVERYONE),
    "api-v1:openapi-view": api(EVERYONE),
    "api-v1:me": api(SIGNED_IN),
    "api-v1:versions": api(SIGNED_IN),
    "api-v1:published": api(SIGNED_IN),
    "api-v1:version_detail": api(DRAFT_READERS, kwargs=("draft",)),
    "api-v1:version_diff": api(DRAFT_READERS, kwargs=("draft",), query="?against=1"),
    "api-v1:list_institutions": api(SIGNED_IN),
    "api-v1:get_institution": api(SIGNED_IN, kwargs=("institution_a",)),
    "api-v1:list_municipalities": api(SIGNED_IN),
    "api-v1:list_sets": api(SIGNED_IN),
    "api-v1:list_indicators": api(SIGNED_IN, kwargs=("set_id",)),
    "api-v1:evaluate": api(SIGNED_IN, method="post"),
    "api-v1:save_screening": api(SIGNED_IN, method="post"),
    "api-v1:get_who_to_call": api(
        SIGNED_IN,
        query="?municipality=test_town_a&stage=recognition&population=adult&nationality=national",
    ),
}


def _routes(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}".strip(":")


# Apps whose ladders live in their own test modules (roles × own/other institution × route, too many for this
# world): each module lists the route names it covers in COVERED_ROUTES.
DELEGATED_MATRICES = (
    "tests.stats.test_permission_matrix",
    "tests.coordination.test_permission_matrix_api",
    "tests.coordination.test_permission_matrix_pages",
    "tests.portal.test_permissions_editor",
    "tests.portal.test_permissions_public",
    "tests.portal.test_permissions_help",
)


def test_every_route_is_in_the_matrix():
    covered = set(MATRIX)
    for module in DELEGATED_MATRICES:
        delegated = importlib.import_module(module).COVERED_ROUTES
        assert not covered & delegated, f"{module} repeats routes of another matrix"
        covered |= delegated
    assert set(_routes(get_resolver().url_patterns)) == covered


class World:
    """One published version and one draft of a tiny model, two institutions, and a user on every rung."""

    def __init__(self):
        self.published = make_version(number=1, status=ModelVersion.Status.PUBLISHED)
        self.draft = make_version(
            number=2, status=ModelVersion.Status.DRAFT, content=edited_content(), based_on=self.published
        )
        town = Municipality.objects.create(code="test_town_a", names={"en": "Test Town A"})
        social_service = InstitutionTypeFactory(code="social_service")
        self.institution_a = InstitutionFactory(
            code="test-a", type=social_service, scope="municipal", municipality=town
        )
        institution_b = InstitutionFactory(code="test-b", type=social_service, scope="national")
        self.contact_a = ContactPointFactory(institution=self.institution_a)
        unit_a = UnitFactory(institution=self.institution_a)
        unit_b = UnitFactory(institution=institution_b)
        self.users = {
            rung: UserFactory(
                # The coordinator sits elsewhere too: what they may do in institution A comes from `_all` rights.
                unit=unit_b if rung in {ADMIN_B, COORDINATOR} else unit_a,
                roles=[RoleFactory(capabilities=list(capabilities))],
            )
            for rung, capabilities in CAPABILITIES.items()
        }
        self.member_a = UserFactory(unit=unit_a)

    def kwargs(self, names: tuple[str, ...]) -> dict:
        values = {
            "published": ("number", self.published.number),
            "draft": ("number", self.draft.number),
            "type_id": ("type_id", "social_service"),
            "stage_id": ("stage_id", "recognition"),
            "basis_id": ("basis_id", "test_law"),
            "institution_a": ("code", self.institution_a.code),
            "contact_a": ("pk", self.contact_a.pk),
            "member_a": ("user_id", self.member_a.pk),
            "set_id": ("set_id", "no_such_set"),
            # Nothing of a case exists in this world (see the "cases:" lines of the matrix).
            "reference": ("reference", "LV-2000-000001"),
            "transition": ("transition", "refer"),
            "access_id": ("access_id", 1),
            "referral_id": ("referral_id", 1),
            "consent_id": ("consent_id", 1),
            "task_id": ("task_id", 1),
            "document_id": ("document_id", 1),
            "case_id": ("case_id", 1),
        }
        return dict(values[name] for name in names)


@pytest.fixture
def world(db, settings):
    settings.OPENNRM_PACK = PACK_CODE
    return World()


def _request(client, world, name: str, route: Route, rung: str):
    from django.urls import reverse

    url = reverse(name, kwargs=world.kwargs(route.kwargs)) + route.query
    headers = {}
    if rung != ANONYMOUS:
        user = world.users[rung]
        if route.api:
            _token, secret = api_token_issue(user=user, name="ladder")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        else:
            force_login_verified(client, user)
    if route.api and route.method == "post" and route.data:
        # The API reads JSON bodies (and validates them before the endpoint runs).
        return client.post(url, data=json.dumps(route.data), content_type="application/json", **headers)
    return getattr(client, route.method)(url, data=route.data, **headers)


def _refused(response, route: Route, rung: str) -> bool:
    # "Not found" and "not allowed" answer the same, so 404 is a refusal on every rung.
    if route.api:
        return response.status_code in ({401, 404} if rung == ANONYMOUS else {403, 404})
    if rung == ANONYMOUS and response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return response.status_code in {403, 404}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_ladder(client, world, name):
    route = MATRIX[name]
    outcomes = {}
    for rung in sorted(EVERYONE):
        client.logout()
        response = _request(client, world, name, route, rung)
        refused = _refused(response, route, rung)
        # Allowed means the request was served: a page, a redirect onward, or a form's validation answer.
        served = not refused and response.status_code in {200, 201, 302, 400}
        outcomes[rung] = "allowed" if served else ("refused" if refused else f"status {response.status_code}")
    expected = {rung: "allowed" if rung in route.allowed else "refused" for rung in EVERYONE}
    assert outcomes == expected
