"""The audit log page: audit.view sees its own institution, audit.view_all everything; newest first, filters,
keyset pages (no OFFSET), every read itself audited, never cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.audit.selectors import audit_events_page
from opennrm.audit.services import audit_record
from opennrm.core.errors import Forbidden
from tests.factories import InstitutionFactory, RoleFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "audit:events"


@pytest.fixture
def institution_a():
    return InstitutionFactory(code="test-alpha")


@pytest.fixture
def institution_b():
    return InstitutionFactory(code="test-beta")


@pytest.fixture
def auditor(institution_a):
    return UserFactory(
        username="test.auditor",
        unit=UnitFactory(institution=institution_a),
        roles=[RoleFactory(code="auditor", capabilities=["audit.view"])],
    )


@pytest.fixture
def overseer(institution_b):
    """A national oversight reader, seated in another institution than the auditor."""
    return UserFactory(
        username="test.overseer",
        unit=UnitFactory(institution=institution_b),
        roles=[RoleFactory(code="national_coordinator", capabilities=["audit.view", "audit.view_all"])],
    )


@pytest.fixture
def many_events(institution_a, institution_b):
    """60 events of institution A, interleaved with 10 of institution B and 10 filed under no institution."""
    for n in range(1, 81):
        institution = {0: institution_b, 1: None}.get(n % 8, institution_a)
        audit_record(
            action="test.even" if n % 2 == 0 else "test.odd",
            object_type="thing",
            object_id=n,
            institution=institution,
        )


def _seqs(response) -> list[int]:
    return [event.seq for event in response.context["page"].events]


def _seqs_of(**filters) -> list[int]:
    return list(AuditEvent.objects.filter(**filters).order_by("-seq").values_list("seq", flat=True))


# --- who may open the page ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(action="audit.read").exists()


def test_without_audit_view_is_forbidden(client):
    user = UserFactory(roles=[RoleFactory(code="institution_admin", capabilities=["users.manage"])])
    force_login_verified(client, user)
    assert client.get(reverse(URL)).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.read").exists()


def test_disabled_role_grants_nothing(client):
    user = UserFactory(roles=[RoleFactory(code="old_auditor", capabilities=["audit.view"], is_active=False)])
    force_login_verified(client, user)
    assert client.get(reverse(URL)).status_code == 403


def test_selector_refuses_without_the_capability():
    with pytest.raises(Forbidden):
        audit_events_page(user=UserFactory())
    with pytest.raises(Forbidden):
        audit_events_page(user=None)


# --- what each reader sees ----------------------------------------------------------------------------------


def test_auditor_sees_only_own_institution_newest_first_without_offset(client, auditor, institution_a, many_events):
    force_login_verified(client, auditor)  # auth.login, filed under institution A
    own = _seqs_of(institution=institution_a)
    assert len(own) == 61
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse(URL))
    assert first.status_code == 200
    assert _seqs(first) == own[:50]
    assert first.context["page"].next_before == own[49]
    assert not any("OFFSET" in query["sql"].upper() for query in queries.captured_queries)
    second = client.get(reverse(URL), {"before": own[49]})
    # The first read (audit.read) is newer than the cursor, so the second page is exactly the rest.
    assert _seqs(second) == own[50:]
    assert second.context["page"].next_before is None
    assert f"#{own[-1]}</th>" in second.content.decode()


def test_auditor_never_sees_another_institutions_or_unfiled_events(
    client, auditor, institution_a, institution_b, many_events
):
    force_login_verified(client, auditor)
    others = set(_seqs_of(institution=institution_b)) | set(_seqs_of(institution__isnull=True))
    assert len(others) == 20
    seen: set[int] = set()
    # Every page, with every filter a reader might try, including naming the other institution.
    for query in ({}, {"before": 81}, {"before": 30}, {"action": "test.even"}, {"institution": "test-beta"}):
        response = client.get(reverse(URL), query)
        assert response.status_code == 200
        seen |= set(_seqs(response))
        assert all(event.institution_id == institution_a.pk for event in response.context["page"].events)
    assert seen and not seen & others
    # The institution filter is not offered to this reader.
    assert 'name="institution"' not in client.get(reverse(URL)).content.decode()


def test_auditor_of_another_institution_sees_none_of_a(client, institution_b, many_events):
    other = UserFactory(unit=UnitFactory(institution=institution_b), roles=[RoleFactory(capabilities=["audit.view"])])
    force_login_verified(client, other)
    response = client.get(reverse(URL), {"before": 81})
    assert set(_seqs(response)) == set(_seqs_of(institution=institution_b, seq__lt=81))


def test_reader_outside_any_institution_sees_nothing(client, many_events):
    loner = UserFactory(unit=None, roles=[RoleFactory(capabilities=["audit.view"])])
    force_login_verified(client, loner)  # auth.login filed under no institution
    response = client.get(reverse(URL))
    # Refused outright (roles are held through an institution) or shown an empty log: never the unfiled events.
    assert response.status_code == 403 or (_seqs(response) == [] and "No events." in response.content.decode())


def test_view_all_sees_every_event_and_filters_by_institution(client, overseer, institution_a, many_events):
    force_login_verified(client, overseer)
    expected_all = _seqs_of()[:50]
    everything = client.get(reverse(URL))
    assert _seqs(everything) == expected_all
    assert 'name="institution"' in everything.content.decode()

    only_a = client.get(reverse(URL), {"institution": "test-alpha", "action": "test.odd"})
    expected = _seqs_of(institution=institution_a, action="test.odd")
    assert _seqs(only_a) == expected[:50] and len(expected) == 30
    assert only_a.context["page"].next_before is None


def test_paging_links_keep_the_filters(client, overseer, many_events):
    force_login_verified(client, overseer)
    page = client.get(reverse(URL), {"institution": "test-alpha"})
    next_before = page.context["page"].next_before
    assert next_before is not None
    assert f"?before={next_before}&amp;institution=test-alpha" in page.content.decode()


@pytest.mark.parametrize("value", ["test\x00alpha", "x" * 101, "not a code"])
def test_bad_institution_filter_is_explained_not_a_crash(client, overseer, many_events, value):
    force_login_verified(client, overseer)
    response = client.get(reverse(URL), {"institution": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_institution"' in html and "Institution code:" in html
    # The filter was refused, so the page is the unfiltered first page.
    assert _seqs(response) == _seqs_of()[1:51]  # the newest, audit.read, was written after the read


def test_filter_by_action(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse(URL), {"action": "test.odd"})
    events = response.context["page"].events
    assert len(events) == 30 and {event.action for event in events} == {"test.odd"}
    assert response.context["page"].next_before is None


def test_bad_page_parameter_is_explained_not_a_crash(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse(URL), {"before": "abc"})
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()


def test_htmx_filter_returns_only_the_table(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse(URL), {"action": "test.even"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith("<table") and "<html" not in html


# --- reading is audited, and never cached -------------------------------------------------------------------


def test_every_read_is_recorded_with_its_filters(client, overseer, institution_b, many_events):
    force_login_verified(client, overseer)
    client.get(reverse(URL), {"action": "test.odd", "institution": "test-alpha", "before": 70}, REMOTE_ADDR="192.0.2.7")
    client.get(reverse(URL), headers={"HX-Request": "true"})
    reads = list(AuditEvent.objects.filter(action="audit.read").order_by("seq"))
    assert len(reads) == 2
    first, second = reads
    assert first.actor == overseer and first.institution == institution_b
    assert first.new_values == {"action": "test.odd", "institution": "test-alpha", "before": 70}
    assert first.ip_address == "192.0.2.7"
    assert first.object_type == "audit_log"
    assert second.new_values == {"action": "", "institution": "", "before": None}


def test_a_refused_filter_is_recorded_as_not_applied(client, auditor, many_events):
    force_login_verified(client, auditor)
    client.get(reverse(URL), {"before": "abc"})
    read = AuditEvent.objects.get(action="audit.read")
    assert read.new_values == {"action": "", "institution": "", "before": None}


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_responses_are_never_cached(client, auditor, headers):
    force_login_verified(client, auditor)
    response = client.get(reverse(URL), headers=headers)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
