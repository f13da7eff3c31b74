"""The audit log page: audit.view only, newest first, filter by action, keyset pages (no OFFSET)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.services import audit_record
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(
        username="test.auditor", roles=[RoleFactory(code="auditor", capabilities=["audit.view"])]
    )


@pytest.fixture
def many_events():
    for n in range(1, 61):
        audit_record(action="test.even" if n % 2 == 0 else "test.odd", object_type="thing", object_id=n)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("audit:events"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_without_audit_view_is_forbidden(client):
    user = UserFactory(roles=[RoleFactory(code="institution_admin", capabilities=["users.manage"])])
    force_login_verified(client, user)
    assert client.get(reverse("audit:events")).status_code == 403


def test_disabled_role_grants_nothing(client):
    user = UserFactory(roles=[RoleFactory(code="old_auditor", capabilities=["audit.view"], is_active=False)])
    force_login_verified(client, user)
    assert client.get(reverse("audit:events")).status_code == 403


def test_auditor_sees_newest_first_and_pages_without_offset(client, auditor, many_events):
    force_login_verified(client, auditor)  # itself event #61 (auth.login)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("audit:events"))
    assert first.status_code == 200
    seqs = [event.seq for event in first.context["page"].events]
    assert seqs == list(range(61, 11, -1))
    assert first.context["page"].next_before == 12
    assert not any("OFFSET" in query["sql"].upper() for query in queries.captured_queries)
    second = client.get(reverse("audit:events"), {"before": 12})
    assert [event.seq for event in second.context["page"].events] == list(range(11, 0, -1))
    assert second.context["page"].next_before is None
    assert "#1</th>" in second.content.decode()


def test_filter_by_action(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse("audit:events"), {"action": "test.odd"})
    events = response.context["page"].events
    assert len(events) == 30 and {event.action for event in events} == {"test.odd"}
    assert response.context["page"].next_before is None


def test_bad_page_parameter_is_explained_not_a_crash(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse("audit:events"), {"before": "abc"})
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()


def test_htmx_filter_returns_only_the_table(client, auditor, many_events):
    force_login_verified(client, auditor)
    response = client.get(reverse("audit:events"), {"action": "test.even"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith("<table") and "<html" not in html
