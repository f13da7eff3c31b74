"""The demo accounts: created from the agreed institutions and roles, idempotently, with fixed TOTP keys."""

from base64 import b32encode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_users_create
from opennrm.accounts.models import Role, User
from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError
from tests.factories import InstitutionFactory, InstitutionTypeFactory, RoleFactory, UnitFactory

pytestmark = pytest.mark.django_db

ROLE_CAPABILITIES = {
    "national_coordinator": ["model.edit", "model.publish", "audit.view", "audit.view_all"],
    "working_group_member": ["model.view_drafts"],
    "institution_admin": ["users.manage", "directory.edit"],
    "frontline_worker": ["cases.view"],
    "case_manager": ["cases.view", "cases.edit", "personal_data.view"],
    "specialist_commission_member": ["cases.view", "personal_data.view"],
    "police_officer": ["cases.view", "cases.edit", "personal_data.view"],
    "supervisor": ["cases.view", "cases.edit", "personal_data.view", "cases.supervise"],
    "emergency_access": ["cases.view", "personal_data.view", "cases.break_glass"],
    "rapporteur": ["stats.view"],
    "auditor": ["audit.view"],
    "statistician": ["stats.view"],
    "portal_editor": ["portal.edit"],
    "plan_reporter": ["coordination.report", "coordination.view"],
    "observer": ["coordination.view"],
    "data_protection_officer": ["audit.view", "personal_data.view"],
}


@pytest.fixture
def demo_directory():
    kind = InstitutionTypeFactory(code="test_any")
    for code, unit in {(spec.institution, spec.unit) for spec in DEMO_USERS}:
        UnitFactory(institution=InstitutionFactory(code=code, type=kind), code=unit)
    for code, capabilities in ROLE_CAPABILITIES.items():
        RoleFactory(code=code, capabilities=capabilities)


def test_missing_roles_and_institutions_are_named_and_nothing_is_created():
    with pytest.raises(ApplicationError) as error:
        demo_users_create()
    assert "lv-iem" in error.value.message and "police_officer" in error.value.message
    assert not User.objects.exists()


def test_demo_users_are_created_idempotently(demo_directory):
    logins = demo_users_create()
    assert {login.username for login in logins} == {spec.username for spec in DEMO_USERS}
    again = demo_users_create()
    assert again == logins
    assert User.objects.count() == len(DEMO_USERS)
    police = User.objects.get(username="demo.police")
    assert police.check_password(DEMO_PASSWORD)
    assert police.institution.code == "lv-state-police"
    assert [role.code for role in police.roles.all()] == ["police_officer"]


def test_two_factor_demo_users_get_a_fixed_key_that_an_app_can_use(demo_directory):
    logins = {login.username: login for login in demo_users_create()}
    # Everyone but those whose roles here neither show personal data nor publish anything.
    needing = {spec.username for spec in DEMO_USERS} - {
        "demo.workgroup",
        "demo.rapporteur",
        "demo.statistician",
        "demo.reporter",
        "demo.observer",
    }
    assert {name for name, login in logins.items() if login.totp_key} == needing
    for username in needing:
        user = User.objects.get(username=username)
        assert user.requires_two_factor
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert logins[username].totp_key == b32encode(device.bin_key).decode()
        assert device.verify_token(f"{totp(device.bin_key):06d}")
    again = {login.username: login.totp_key for login in demo_users_create()}
    assert again == {name: login.totp_key for name, login in logins.items()}
    assert TOTPDevice.objects.count() == len(needing)
    assert len(set(again.values()) - {None}) == len(needing)


def test_which_demo_users_get_a_key_follows_the_roles_not_a_list(demo_directory):
    demo_users_create()
    Role.objects.filter(code="rapporteur").update(capabilities=["stats.view", "personal_data.view"])
    Role.objects.filter(code="auditor").update(capabilities=["stats.view"])
    logins = {login.username: login for login in demo_users_create()}
    assert logins["demo.rapporteur"].totp_key is not None
    assert TOTPDevice.objects.filter(user__username="demo.rapporteur", confirmed=True).exists()
    assert logins["demo.auditor"].totp_key is None
    assert not TOTPDevice.objects.filter(user__username="demo.auditor").exists()


def test_demo_users_are_audited_as_demo_accounts(demo_directory):
    demo_users_create()
    created = AuditEvent.objects.filter(action="user.demo_create")
    assert created.count() == len(DEMO_USERS)
    coordinator = User.objects.get(username="demo.coordinator")
    event = created.get(object_id=str(coordinator.pk))
    assert event.new_values["demo_password"] is True and event.new_values["demo_totp_key"] is True
    assert DEMO_PASSWORD not in str(event.new_values)
    coordinator.must_change_password = True
    coordinator.save()
    demo_users_create()
    updated = AuditEvent.objects.filter(action="user.demo_update")
    assert updated.count() == len(DEMO_USERS)
    event = updated.get(object_id=str(coordinator.pk))
    assert event.old_values["must_change_password"] is True and event.new_values["must_change_password"] is False
