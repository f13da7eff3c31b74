"""Institution administrators: their own institution's users only; password reset; account services."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.services import user_create, user_password_reset, user_roles_set
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.accounts.helpers import sign_in
from tests.factories import TEST_PASSWORD, RoleFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(unit):
    return UserFactory(username="test.colleague", unit=unit)


@pytest.fixture
def stranger(other_unit):
    return UserFactory(username="test.stranger", unit=other_unit)


@pytest.fixture
def foreign_admin(other_unit, admin_role):
    return UserFactory(username="test.foreign.admin", unit=other_unit, roles=[admin_role])


# --- the users page: anonymous → no users.manage → other institution → right role


def test_users_page_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_users_page_without_users_manage_is_forbidden(client, coordinator):
    force_login_verified(client, coordinator)
    assert client.get(reverse("accounts:users")).status_code == 403


def test_users_page_lists_own_institution_only(client, institution_admin, colleague, stranger):
    force_login_verified(client, institution_admin)
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 200
    html = response.content.decode()
    assert colleague.username in html
    assert stranger.username not in html
    assert '<th scope="col">' in html


# --- password reset ladder


def test_reset_anonymous_is_sent_to_sign_in(client, colleague):
    response = client.post(reverse("accounts:user_password_reset", args=[colleague.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_reset_without_users_manage_is_forbidden(client, coordinator, colleague):
    force_login_verified(client, coordinator)
    assert client.post(reverse("accounts:user_password_reset", args=[colleague.pk])).status_code == 403


def test_reset_of_another_institutions_user_answers_like_a_missing_one(client, foreign_admin, colleague):
    force_login_verified(client, foreign_admin)
    other = client.post(reverse("accounts:user_password_reset", args=[colleague.pk]))
    missing = client.post(reverse("accounts:user_password_reset", args=[999_999]))
    assert other.status_code == missing.status_code == 404
    colleague.refresh_from_db()
    assert colleague.must_change_password is False


def test_reset_is_post_only(client, institution_admin, colleague):
    force_login_verified(client, institution_admin)
    assert client.get(reverse("accounts:user_password_reset", args=[colleague.pk])).status_code == 405


def test_reset_shows_a_one_time_password_and_lifts_the_lockout(client, institution_admin, colleague):
    for _ in range(5):
        sign_in(client, colleague.username, "wrong-password-0")
    assert sign_in(client, colleague.username).status_code == 429

    force_login_verified(client, institution_admin)
    response = client.post(reverse("accounts:user_password_reset", args=[colleague.pk]))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    temporary = response.context["password"]
    assert temporary in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.must_change_password is True
    assert colleague.check_password(temporary)
    assert not AccessAttempt.objects.filter(username=colleague.username).exists()
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == institution_admin
    assert temporary not in str(event.new_values)

    client.post(reverse("accounts:logout"))
    signed_in = sign_in(client, colleague.username, temporary)
    assert signed_in.url.startswith(reverse("accounts:password_change"))


def test_admin_cannot_reset_own_password_here(client, institution_admin):
    force_login_verified(client, institution_admin)
    response = client.post(reverse("accounts:user_password_reset", args=[institution_admin.pk]), follow=True)
    assert "password change page" in response.content.decode()
    institution_admin.refresh_from_db()
    assert institution_admin.must_change_password is False
    with pytest.raises(Forbidden):
        user_password_reset(user=institution_admin, by=institution_admin)


# --- no takeover: an administrator never acts on accounts with administrative powers beyond their own


def test_reset_of_a_colleague_with_more_administrative_powers_is_refused(client, institution_admin, auditor):
    # The administrator cannot read the audit log; a temporary password would let them sign in as one who can.
    with pytest.raises(Forbidden) as error:
        user_password_reset(user=auditor, by=institution_admin)
    assert auditor.username in error.value.message
    force_login_verified(client, institution_admin)
    response = client.post(reverse("accounts:user_password_reset", args=[auditor.pk]), follow=True)
    assert "permissions that you do not have" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.must_change_password is False and auditor.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


def test_case_workers_passwords_are_reset_by_their_institutions_administrator(institution_admin, case_worker):
    """Their work needs personal data, not administrative powers; their second factor still guards the account."""
    device = TOTPDevice.objects.create(user=case_worker, name="phone", confirmed=True)
    temporary = user_password_reset(user=case_worker, by=institution_admin)
    case_worker.refresh_from_db()
    assert case_worker.check_password(temporary) and case_worker.must_change_password
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


def test_users_page_offers_reset_only_within_the_admins_powers(client, institution_admin, colleague, auditor):
    force_login_verified(client, institution_admin)
    html = client.get(reverse("accounts:users")).content.decode()
    assert reverse("accounts:user_password_reset", args=[colleague.pk]) in html
    assert reverse("accounts:user_password_reset", args=[auditor.pk]) not in html
    assert "only an administrator who also has them" in html


def test_reset_compares_roles_that_are_not_in_force_too(institution_admin, colleague, auditor_role):
    # A disabled role can be enabled again by the next pack: it still counts as the colleague's power.
    colleague.roles.set([auditor_role])
    auditor_role.is_active = False
    auditor_role.save()
    assert colleague.capabilities() == frozenset()
    with pytest.raises(Forbidden):
        user_password_reset(user=colleague, by=institution_admin)


def test_reset_of_an_equal_or_weaker_colleague_is_allowed(case_admin, case_worker):
    assert len(user_password_reset(user=case_worker, by=case_admin)) == 19


def test_roles_beyond_the_admins_own_are_refused(institution_admin, colleague, auditor_role):
    with pytest.raises(Forbidden) as error:
        user_roles_set(user=colleague, roles=[auditor_role], by=institution_admin)
    assert "auditor" in error.value.message
    assert list(colleague.roles.all()) == []
    assert not AuditEvent.objects.filter(action="user.roles_set").exists()


def test_roles_of_a_more_powerful_colleague_cannot_be_changed(institution_admin, auditor):
    with pytest.raises(Forbidden):
        user_roles_set(user=auditor, roles=[], by=institution_admin)
    assert auditor.roles.count() == 1


def test_admin_cannot_change_own_roles(case_admin, admin_role):
    with pytest.raises(Forbidden):
        user_roles_set(user=case_admin, roles=[admin_role], by=case_admin)
    assert case_admin.roles.count() == 2


def test_user_create_with_roles_beyond_the_admins_own_is_refused(unit, auditor_role, institution_admin):
    # A new account with a password chosen by the administrator is the same takeover as a reset.
    with pytest.raises(Forbidden):
        user_create(
            username="test.escalated",
            email="",
            first_name="",
            last_name="",
            unit=unit,
            roles=[auditor_role],
            password="a-long-enough-password-42",
            by=institution_admin,
        )
    assert not type(institution_admin).objects.filter(username="test.escalated").exists()


def test_reset_service_refuses_foreign_and_unprivileged(institution_admin, coordinator, stranger, colleague):
    with pytest.raises(NotFoundOrForbidden):
        user_password_reset(user=stranger, by=institution_admin)
    with pytest.raises(Forbidden):
        user_password_reset(user=colleague, by=coordinator)
    # The operator at the command line acts without a user.
    assert len(user_password_reset(user=colleague, by=None)) == 19


# --- services


@pytest.fixture
def case_admin(unit, admin_role, case_role):
    """An administrator who also manages cases, so may hand out the case manager's role."""
    return UserFactory(username="test.case.admin", unit=unit, roles=[admin_role, case_role])


def test_user_create_checks_roles_against_the_institution_type(unit, case_role, case_admin):
    police_only = RoleFactory(code="police_officer", capabilities=["cases.view"], institution_types=["state_police"])
    with pytest.raises(ApplicationError) as error:
        user_create(
            username="test.new",
            email="test.new@example.lv",
            first_name="Test",
            last_name="New",
            unit=unit,
            roles=[police_only],
            by=case_admin,
        )
    assert error.value.field == "roles"
    user = user_create(
        username="test.new",
        email="test.new@example.lv",
        first_name="Test",
        last_name="New",
        unit=unit,
        roles=[case_role],
        by=case_admin,
    )
    assert not user.has_usable_password()
    assert list(user.roles.all()) == [case_role]
    event = AuditEvent.objects.get(action="user.create")
    assert event.new_values["roles"] == ["case_manager"] and event.actor == case_admin


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "  "}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "TEST.CASEWORKER"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
    ],
)
def test_user_create_names_the_bad_field(unit, case_worker, changes, field):
    values = {
        "username": "test.fresh",
        "email": "fresh@example.lv",
        "first_name": "Test",
        "last_name": "Fresh",
        "unit": unit,
        "roles": [],
        **changes,
    }
    with pytest.raises(ApplicationError) as error:
        user_create(**values)
    assert error.value.field == field
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_user_create_in_another_institution_is_refused(other_unit, institution_admin):
    with pytest.raises(NotFoundOrForbidden):
        user_create(
            username="test.outsider",
            email="",
            first_name="",
            last_name="",
            unit=other_unit,
            roles=[],
            by=institution_admin,
        )


def test_user_roles_set_audits_old_and_new(colleague, case_role, case_admin):
    user_roles_set(user=colleague, roles=[case_role], by=case_admin)
    event = AuditEvent.objects.get(action="user.roles_set")
    assert event.old_values == {"roles": []} and event.new_values == {"roles": ["case_manager"]}
    # Setting the same roles again is no change and no event.
    user_roles_set(user=colleague, roles=[case_role], by=case_admin)
    assert AuditEvent.objects.filter(action="user.roles_set").count() == 1


def test_user_roles_set_refuses_disabled_role_and_foreign_admin(colleague, foreign_admin):
    retired = RoleFactory(code="retired_role", is_active=False)
    with pytest.raises(ApplicationError):
        user_roles_set(user=colleague, roles=[retired], by=None)
    with pytest.raises(NotFoundOrForbidden):
        user_roles_set(user=colleague, roles=[], by=foreign_admin)


def test_role_allowed_for_the_institution_type(social_type):
    unit = UnitFactory(institution__code="test-social-c", institution__type=social_type)
    user = UserFactory(unit=unit)
    social_only = RoleFactory(code="social_only", institution_types=["municipal_social_service"])
    user_roles_set(user=user, roles=[social_only], by=None)
    assert user.roles.get() == social_only
