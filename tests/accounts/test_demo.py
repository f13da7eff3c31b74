"""The demo accounts: created from the agreed institutions and roles, idempotently, with fixed TOTP keys."""

from base64 import b32encode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_users_create
from opennrm.accounts.models import User
from opennrm.core.errors import ApplicationError
from tests.factories import InstitutionFactory, InstitutionTypeFactory, RoleFactory, UnitFactory

pytestmark = pytest.mark.django_db

ROLE_CAPABILITIES = {
    "national_coordinator": ["model.edit", "audit.view"],
    "working_group_member": ["model.view_drafts"],
    "institution_admin": ["users.manage"],
    "frontline_worker": ["cases.view"],
    "case_manager": ["cases.view", "cases.edit", "personal_data.view"],
    "specialist_commission_member": ["cases.view", "personal_data.view"],
    "police_officer": ["cases.view", "cases.edit", "personal_data.view"],
    "rapporteur": ["stats.view"],
    "auditor": ["audit.view"],
}


@pytest.fixture
def demo_directory():
    kind = InstitutionTypeFactory(code="test_any")
    for code in {spec.institution for spec in DEMO_USERS}:
        UnitFactory(institution=InstitutionFactory(code=code, type=kind), code="main")
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
    assert logins["demo.coordinator"].totp_key is None
    for username in ("demo.social.riga", "demo.police", "demo.provider"):
        user = User.objects.get(username=username)
        assert user.requires_two_factor
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert logins[username].totp_key == b32encode(device.bin_key).decode()
        assert device.verify_token(f"{totp(device.bin_key):06d}")
    assert demo_users_create()[3].totp_key == logins["demo.social.riga"].totp_key
    assert TOTPDevice.objects.count() == 3
