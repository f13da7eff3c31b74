"""Which roles count: enabled, allowed for the user's institution type, held in an open unit and institution."""

import pytest
from django.urls import reverse

from opennrm.accounts.models import User
from opennrm.accounts.selectors import users_managed_by
from opennrm.accounts.testing import force_login_verified
from tests.factories import RoleFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_role():
    return RoleFactory(
        code="police_officer", capabilities=["cases.view", "personal_data.view"], institution_types=["state_police"]
    )


@pytest.fixture
def stats_role():
    return RoleFactory(code="rapporteur", capabilities=["stats.view"])


def test_role_not_allowed_for_the_institution_type_gives_nothing(unit, police_role, stats_role):
    # E.g. the pack later restricted the role to other institution types: the powers go at once.
    user = UserFactory(unit=unit, roles=[police_role, stats_role])
    assert user.active_roles() == [stats_role]
    assert user.capabilities() == frozenset({"stats.view"})
    assert user.requires_two_factor is False


def test_role_allowed_for_the_institution_type_counts(police_role):
    unit = UnitFactory(institution__code="test-police", institution__type__code="state_police")
    user = UserFactory(unit=unit, roles=[police_role])
    assert user.active_roles() == [police_role]
    assert user.requires_two_factor is True


@pytest.mark.parametrize("closed", ["unit", "institution"])
def test_closed_unit_or_institution_takes_every_role_away(unit, case_role, stats_role, closed):
    user = UserFactory(unit=unit, roles=[case_role, stats_role])
    assert user.capabilities()
    target = unit if closed == "unit" else unit.institution
    target.is_active = False
    target.save()
    user = User.objects.get(pk=user.pk)
    assert user.active_roles() == []
    assert user.capabilities() == frozenset()
    assert user.requires_two_factor is False
    # What they were given stays on the account, for when the unit opens again.
    assert user.assigned_capabilities() >= {"cases.view", "stats.view"}


def test_account_without_a_unit_holds_no_powers(stats_role):
    user = UserFactory(unit=None, roles=[stats_role])
    assert user.active_roles() == [] and not user.has_capability("stats.view")


def test_disabled_role_gives_nothing(unit, stats_role):
    user = UserFactory(unit=unit, roles=[stats_role])
    stats_role.is_active = False
    stats_role.save()
    assert User.objects.get(pk=user.pk).capabilities() == frozenset()


def test_managed_users_list_reads_roles_without_a_query_per_user(
    unit, institution_admin, police_role, stats_role, django_assert_num_queries
):
    for n in range(5):
        UserFactory(username=f"test.listed{n}", unit=unit, roles=[police_role, stats_role])
    users = [u for u in users_managed_by(user=institution_admin) if u.pk != institution_admin.pk]
    assert len(users) == 5
    with django_assert_num_queries(0):
        for user in users:
            assert user.capabilities() == frozenset({"stats.view"})
            assert user.requires_two_factor is False


def test_users_page_shows_only_roles_in_force(client, unit, institution_admin, police_role, stats_role):
    UserFactory(username="test.listed", unit=unit, roles=[police_role, stats_role])
    force_login_verified(client, institution_admin)
    html = client.get(reverse("accounts:users")).content.decode()
    assert "rapporteur" in html and "police_officer" not in html
