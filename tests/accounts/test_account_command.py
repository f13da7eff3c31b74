from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.services import user_two_factor_reset
from opennrm.audit.models import AuditEvent
from opennrm.core.errors import Forbidden

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("account", *args, stdout=out)
    return out.getvalue().strip()


def test_operator_removes_a_lost_authenticator(case_worker):
    TOTPDevice.objects.create(user=case_worker, name="lost phone", confirmed=True)
    assert _run("reset-two-factor", case_worker.username) == f"Removed 1 authenticator(s) of '{case_worker.username}'."
    assert not TOTPDevice.objects.filter(user=case_worker).exists()
    event = AuditEvent.objects.get(action="user.two_factor_reset")
    assert event.actor is None and event.new_values["authenticators_removed"] == 1


def test_operator_resets_a_password(case_worker):
    temporary = _run("reset-password", case_worker.username)
    case_worker.refresh_from_db()
    assert case_worker.check_password(temporary) and case_worker.must_change_password


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        _run("reset-two-factor", "nobody")


def test_an_administrator_without_the_users_permissions_cannot_reset_their_second_factor(
    institution_admin, case_worker
):
    """Resetting both the password and the authenticator would let the administrator enrol their own phone."""
    TOTPDevice.objects.create(user=case_worker, name="phone", confirmed=True)
    with pytest.raises(Forbidden):
        user_two_factor_reset(user=case_worker, by=institution_admin)
    assert TOTPDevice.objects.filter(user=case_worker).exists()
    assert not AuditEvent.objects.filter(action="user.two_factor_reset").exists()


def test_operator_creates_the_first_accounts(unit, admin_role):
    temporary = _run(
        "create",
        "test.first.admin",
        "--institution",
        unit.institution.code,
        "--roles",
        admin_role.code,
        "--email",
        "first.admin@example.lv",
    )
    from opennrm.accounts.models import User

    user = User.objects.get(username="test.first.admin")
    assert user.check_password(temporary) and user.must_change_password
    assert user.unit == unit and [r.code for r in user.roles.all()] == [admin_role.code]
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--institution", "no-such-place", "--roles", "institution_admin"], "There is no unit 'main'"),
        (["--institution", "INSTITUTION", "--roles", "no_such_role"], "Unknown role(s): no_such_role."),
    ],
)
def test_create_explains_bad_input_and_changes_nothing(unit, admin_role, arguments, message):
    from opennrm.accounts.models import User

    arguments = [unit.institution.code if a == "INSTITUTION" else a for a in arguments]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run("create", "test.nobody", *arguments)
    assert not User.objects.filter(username="test.nobody").exists()


def test_create_refuses_a_taken_name(unit, admin_role, institution_admin):
    with pytest.raises(CommandError, match="username: This user name is already taken."):
        _run("create", institution_admin.username, "--institution", unit.institution.code, "--roles", admin_role.code)
