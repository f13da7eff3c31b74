"""Demo accounts for trying OpenNRM out. NEVER for a real installation.

The password and the TOTP keys below are published in this source file on purpose, so that anyone can sign in
to a demo. They make an installation insecure; `demo_users_create` is only called by the demo set-up.
Each demo user whose roles require two-step sign-in gets the fixed key listed for it below (hex here; base32,
as an authenticator app wants it, in the output of `opennrm demo load`). Creating or refreshing a demo user is
audited as "user.demo_create" / "user.demo_update", so the published credentials are on the record.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.accounts.models import Role, User
from opennrm.accounts.services import user_create, user_roles_set
from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.directory.models import Unit

DEMO_PASSWORD = "demo-Password-2026"
DEMO_DEVICE_NAME = "demo authenticator"
DEMO_PURPOSE = "demo set-up"


@dataclass(frozen=True)
class DemoUser:
    username: str
    institution: str
    roles: tuple[str, ...]
    first_name: str
    last_name: str
    # Demo-only TOTP secret (hex, 20 bytes), used when the user's roles require two-step sign-in.
    totp_key_hex: str
    # The unit of the institution the user works in (every demo institution has a unit "main").
    unit: str = "main"


def _key(suffix: str) -> str:
    """A fixed, obviously artificial demo key: 20 bytes, all zero but a marker and the last byte."""
    return "0d3e" + "0" * 34 + suffix


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    roles: list[str]
    institution: str
    totp_key: str | None


# Every demo user has a fixed key; it is installed only while the user's roles require two-step sign-in
# (`User.requires_two_factor`), so when a pack changes a role the demo follows without editing this list.
# Every role of the Latvian pack has at least one demo user, in the institution where that role does its work, so
# that a case can be followed from recognition to closure by signing in as each of them in turn.
DEMO_USERS = (
    # National coordination, oversight and audit (no case work).
    DemoUser("demo.coordinator", "lv-iem", ("national_coordinator",), "Demo", "Coordinator", _key("d4")),
    DemoUser("demo.workgroup", "lv-iem", ("working_group_member",), "Demo", "Workgroup", _key("e5")),
    DemoUser("demo.rapporteur", "lv-iem", ("rapporteur",), "Demo", "Rapporteur", _key("17")),
    DemoUser("demo.auditor", "lv-iem", ("auditor",), "Demo", "Auditor", _key("28")),
    DemoUser("demo.statistician", "lv-iem", ("statistician",), "Demo", "Statistician", _key("18")),
    DemoUser("demo.editor", "lv-iem", ("portal_editor",), "Demo", "Portal Editor", _key("19")),
    # The action plan: the State Police reports on the measures it is responsible for; the Ombudsman observes.
    DemoUser("demo.reporter", "lv-state-police", ("plan_reporter",), "Demo", "Plan Reporter", _key("b5")),
    DemoUser("demo.observer", "lv-ombudsman", ("observer",), "Demo", "Observer", _key("71")),
    # Riga social service: recognises most demo cases and refers them on.
    DemoUser("demo.admin", "lv-social-service-riga", ("institution_admin",), "Demo", "Administrator", _key("f6")),
    DemoUser("demo.social", "lv-social-service-riga", ("case_manager",), "Demo", "Social Worker", _key("a1")),
    DemoUser("demo.social.head", "lv-social-service-riga", ("supervisor",), "Demo", "Social Head", _key("a2")),
    DemoUser("demo.frontline", "lv-social-service-riga", ("frontline_worker",), "Demo", "Front-line", _key("a3")),
    # Reviews the legal-duty referrals and emergency accesses flagged in the institution.
    DemoUser("demo.dpo", "lv-social-service-riga", ("data_protection_officer",), "Demo", "Data Protection", _key("a4")),
    # The Marta centre: the service provider whose specialist commission identifies and which runs the service.
    DemoUser("demo.provider", "lv-provider-marta", ("case_manager",), "Demo", "Provider", _key("c3")),
    DemoUser(
        "demo.commission",
        "lv-provider-marta",
        ("specialist_commission_member",),
        "Demo",
        "Commission",
        _key("c4"),
        unit="commission",
    ),
    DemoUser("demo.provider.head", "lv-provider-marta", ("supervisor",), "Demo", "Provider Head", _key("c5")),
    # State Police: criminal proceedings, and emergency (break-glass) access.
    DemoUser("demo.police", "lv-state-police", ("police_officer",), "Demo", "Police Officer", _key("b2")),
    DemoUser("demo.police.head", "lv-state-police", ("supervisor",), "Demo", "Police Head", _key("b3")),
    DemoUser("demo.emergency", "lv-state-police", ("emergency_access",), "Demo", "Emergency", _key("b4")),
    # SIVA decides on the state-funded social rehabilitation service.
    DemoUser("demo.siva", "lv-siva", ("case_manager",), "Demo", "SIVA", _key("31")),
    # Every child's case involves the orphan's court and the Children's Rights Inspectorate.
    DemoUser("demo.orphanscourt", "lv-orphans-court-riga", ("case_manager",), "Demo", "Orphan's Court", _key("42")),
    DemoUser("demo.orphanscourt.head", "lv-orphans-court-riga", ("supervisor",), "Demo", "Court Head", _key("43")),
    DemoUser(
        "demo.inspectorate",
        "lv-children-rights-inspectorate",
        ("supervisor",),
        "Demo",
        "Inspectorate",
        _key("53"),
    ),
    # A border guard who meets a presumed victim at the border.
    DemoUser("demo.border", "lv-state-border-guard", ("frontline_worker",), "Demo", "Border Guard", _key("64")),
)


def totp_key_base32(key_hex: str) -> str:
    """The key as an authenticator app expects it to be typed in."""
    return b32encode(unhexlify(key_hex)).decode()


def _missing(units: dict[tuple[str, str], Unit | None], roles: dict[str, Role]) -> list[str]:
    problems = []
    for (code, unit_code), unit in units.items():
        if unit is None:
            problems.append(
                gettext("Institution '%(code)s' (with a unit '%(unit)s') does not exist.")
                % {"code": code, "unit": unit_code}
            )
    for spec in DEMO_USERS:
        for role_code in spec.roles:
            if role_code not in roles:
                problems.append(gettext("Role '%(code)s' does not exist.") % {"code": role_code})
    return sorted(set(problems))


@transaction.atomic
def demo_users_create() -> list[DemoLogin]:
    """Create or refresh the demo accounts; nothing changes if an institution or role they need is missing."""
    places = {(spec.institution, spec.unit) for spec in DEMO_USERS}
    units: dict[tuple[str, str], Unit | None] = {
        (code, unit_code): Unit.objects.select_related("institution", "institution__type")
        .filter(institution__code=code, code=unit_code)
        .first()
        for code, unit_code in places
    }
    roles = {role.code: role for role in Role.objects.filter(is_active=True)}
    problems = _missing(units, roles)
    if problems:
        raise ApplicationError(
            gettext(
                "The demo users were not created: %(problems)s Load and publish the pack and the demo directory first."
            )
            % {"problems": " ".join(problems)}
        )
    logins = []
    for spec in DEMO_USERS:
        unit = units[(spec.institution, spec.unit)]
        user, totp_key = _demo_user_save(spec, unit=unit, roles=[roles[code] for code in spec.roles])
        logins.append(
            DemoLogin(
                username=spec.username,
                password=DEMO_PASSWORD,
                roles=list(spec.roles),
                institution=localized(unit.institution.names) or unit.institution.code,
                totp_key=totp_key,
            )
        )
    return logins


def _demo_user_save(spec: DemoUser, *, unit: Unit, roles: list[Role]) -> tuple[User, str | None]:
    user = User.objects.filter(username=spec.username).first()
    created = user is None
    if user is None:
        user = user_create(
            username=spec.username,
            email=f"{spec.username}@example.lv",
            first_name=spec.first_name,
            last_name=spec.last_name,
            unit=unit,
            roles=roles,
            password=DEMO_PASSWORD,
        )
        old_values = None
    else:
        old_values = {
            "unit": user.unit_id,
            "is_active": user.is_active,
            "must_change_password": user.must_change_password,
        }
        user.unit = unit
        user.is_active = True
        user.must_change_password = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        user_roles_set(user=user, roles=roles, by=None)
    user = User.objects.select_related("unit__institution__type").prefetch_related("roles").get(pk=user.pk)
    totp_key = None
    if user.requires_two_factor:
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEMO_DEVICE_NAME,
            defaults={"key": spec.totp_key_hex, "confirmed": True, "last_t": -1},
        )
        totp_key = totp_key_base32(spec.totp_key_hex)
    else:
        # A demo key left from an earlier role would still be asked for at sign-in; the demo follows the roles.
        TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).delete()
    # Auditors must be able to see that an account's password and key are the published demo ones.
    audit_record(
        action="user.demo_create" if created else "user.demo_update",
        object_type="user",
        object_id=user.pk,
        old_values=old_values,
        new_values={
            "unit": unit.pk,
            "is_active": True,
            "must_change_password": False,
            "roles": sorted(spec.roles),
            "demo_password": True,
            "demo_totp_key": totp_key is not None,
        },
        purpose=DEMO_PURPOSE,
        institution=unit.institution,
    )
    return user, totp_key
