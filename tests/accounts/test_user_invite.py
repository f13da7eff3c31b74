"""An institution's administrator adds a colleague: their own institution only, no powers they lack themselves."""

import pytest
from django.urls import reverse
from django.utils import translation

from opennrm.accounts.models import User
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

with translation.override("en"):
    URL = reverse("accounts:user_invite")


def _post(client, unit, roles, **fields):
    data = {"username": "test.new.colleague", "first_name": "Test", "last_name": "Colleague", "email": ""}
    data.update(fields)
    return client.post(URL, {**data, "unit": str(unit.pk), "roles": [role.code for role in roles]})


def test_the_ladder(client, unit, coordinator, institution_admin):
    assert client.get(URL).status_code == 302  # anonymous: to the sign-in page
    force_login_verified(client, coordinator)  # signed in, without users.manage
    assert client.get(URL).status_code == 403
    force_login_verified(client, institution_admin)
    assert client.get(URL).status_code == 200


def test_the_administrator_adds_a_colleague_with_a_temporary_password(client, unit, institution_admin, case_role):
    force_login_verified(client, institution_admin)
    response = _post(client, unit, [case_role])
    assert response.status_code == 200
    user = User.objects.get(username="test.new.colleague")
    password = response.context["password"]
    assert user.check_password(password) and user.must_change_password
    assert user.unit == unit and list(user.roles.all()) == [case_role]
    assert "has been created" in response.content.decode()
    event = AuditEvent.objects.get(action="user.create")
    assert event.actor == institution_admin and password not in str(event.new_values)


def test_roles_with_powers_the_administrator_lacks_are_not_offered(client, unit, institution_admin, auditor_role):
    force_login_verified(client, institution_admin)
    page = client.get(URL).content.decode()
    assert f'value="{auditor_role.code}"' not in page
    response = _post(client, unit, [auditor_role])
    assert response.status_code == 400
    assert not User.objects.filter(username="test.new.colleague").exists()


@pytest.mark.parametrize(
    "capabilities",
    [["portal.edit"], ["stats.view", "stats.publish"], ["coordination.manage"], ["coordination.meetings"]],
)
def test_national_powers_cannot_be_handed_out_by_an_institution(client, unit, institution_admin, capabilities):
    """The public site, national statistics and the working group are not an institution administrator's to give."""
    role = RoleFactory(code="test_national_power", capabilities=capabilities)
    force_login_verified(client, institution_admin)
    assert f'value="{role.code}"' not in client.get(URL).content.decode()
    response = _post(client, unit, [role])
    assert response.status_code == 400
    assert not User.objects.filter(username="test.new.colleague").exists()


def test_only_units_of_the_administrators_institution(client, unit, other_unit, institution_admin, case_role):
    force_login_verified(client, institution_admin)
    response = _post(client, other_unit, [case_role])
    assert response.status_code == 400
    assert 'id="id_unit_error"' in response.content.decode()
    assert not User.objects.filter(username="test.new.colleague").exists()


def test_a_taken_user_name_is_named_and_nothing_changes(client, unit, institution_admin, case_role):
    UserFactory(username="test.taken", unit=unit)
    force_login_verified(client, institution_admin)
    response = _post(client, unit, [case_role], username="test.taken")
    assert response.status_code == 400
    assert "This user name is already taken." in response.content.decode()
    assert not AuditEvent.objects.filter(action="user.create").exists()
