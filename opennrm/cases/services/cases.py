"""Opening a case, keeping the person's data, assigning workers, and emergency (break-glass) access."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.crypto import blind_index
from opennrm.cases.models import (
    AgeBand,
    Assignment,
    BreakGlassAccess,
    Case,
    CaseParty,
    CaseReferenceCounter,
    DataCategory,
    ExploitationForm,
    Nationality,
    Person,
    Population,
    Sex,
)
from opennrm.cases.selectors import case_workflow, institution_staff, party_of, party_scope
from opennrm.cases.services.common import (
    acting_institution,
    case_audit,
    case_event,
    involve_parties,
    notify,
    require_capability,
    require_editable,
    require_visible,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.jurisdiction.selectors import version_pack, version_published
from opennrm.stats.services.facts import case_fact_refresh

COUNTRY_CODE_LENGTH = 2
MAX_TEXT = 200
BREAK_GLASS_REASON_MIN = 20
ADULT_AGE = 18
CHILD_AGE_BANDS = (AgeBand.UNDER_12, AgeBand.FROM_12)


@dataclass
class PersonData:
    """What is known of the person. Identifying fields are encrypted when stored; the rest are structured facts."""

    given_name: str = ""
    family_name: str = ""
    birth_date: date | None = None
    personal_code: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    sex: str = Sex.UNKNOWN
    age_band: str = AgeBand.UNKNOWN
    citizenship: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def _clean_codes(values, *, name: str, length: int | None = None, allowed=None) -> list[str]:
    cleaned = []
    for value in values or []:
        code = str(value).strip()
        if allowed is None:
            code = code.upper() if length == COUNTRY_CODE_LENGTH else code.lower()
            valid = code.isalpha() and (length is None or len(code) == length) and 2 <= len(code) <= 3
        else:
            valid = code in allowed
        if not valid:
            raise ApplicationError(
                gettext("“%(value)s” is not a valid value for %(field)s.") % {"value": value, "field": name},
                field=name,
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _check_person(person: PersonData) -> None:
    for name in ("given_name", "family_name", "personal_code", "phone", "email", "address"):
        if len(getattr(person, name) or "") > MAX_TEXT:
            raise ApplicationError(
                gettext("%(field)s is too long (at most %(max)d characters).") % {"field": name, "max": MAX_TEXT},
                field=name,
            )
    if person.sex not in Sex.values:
        raise ApplicationError(gettext("Choose a valid value for sex."), field="sex")
    if person.age_band not in AgeBand.values:
        raise ApplicationError(gettext("Choose a valid age band."), field="age_band")
    if person.birth_date and person.birth_date > timezone.localdate():
        raise ApplicationError(gettext("The birth date cannot be in the future."), field="birth_date")
    person.citizenship = _clean_codes(person.citizenship, name="citizenship", length=COUNTRY_CODE_LENGTH)
    person.languages = _clean_codes(person.languages, name="languages")


def _age(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _check_population(population: str, person: PersonData) -> None:
    """Refuse an adult's case for someone whose birth date or age band says child (and a child's case for someone
    whose birth date says adult): the child's safeguards (the orphan's court, consent by a representative) hang on
    the case being a child's. An adult age band does not refuse a child's case: in doubt a person is presumed a
    child."""
    age = _age(person.birth_date, timezone.localdate()) if person.birth_date else None
    if population == Population.ADULT:
        if age is not None and age < ADULT_AGE:
            raise ApplicationError(
                gettext(
                    "By this birth date the person is under 18, but the case is an adult's. A child's case must be "
                    "opened as a child's, so that the child's safeguards apply."
                ),
                field="birth_date",
            )
        if person.age_band in CHILD_AGE_BANDS:
            raise ApplicationError(
                gettext(
                    "This age band is a child's, but the case is an adult's. A child's case must be opened as a "
                    "child's, so that the child's safeguards apply."
                ),
                field="age_band",
            )
    if population == Population.CHILD and age is not None and age >= ADULT_AGE:
        raise ApplicationError(
            gettext("By this birth date the person is 18 or older, but the case is a child's. Check the birth date."),
            field="birth_date",
        )


def _person_index(person: PersonData) -> str:
    if person.given_name.strip() and person.family_name.strip() and person.birth_date:
        return blind_index(person.given_name, person.family_name, person.birth_date.isoformat())
    return ""


def _next_reference(prefix: str, year: int) -> str:
    # The counter row is locked until the case is committed, so two cases never get the same number and a
    # rolled-back case does not use one up.
    counter, _ = CaseReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:06d}"


def case_open(
    *,
    by,
    population: str,
    nationality: str,
    person: PersonData,
    municipality=None,
    forms: list[str] | None = None,
    countries: list[str] | None = None,
    screening=None,
    ip_address: str | None = None,
) -> Case:
    """Open a case for a presumed victim recognised by `by`'s institution, under the published workflow."""
    require_capability(by, Capability.CASES_EDIT)
    institution = acting_institution(by)
    version = version_published()
    workflow = version_pack(version).workflow if version else None
    if workflow is None:
        raise ApplicationError(gettext("The model in force has no case workflow, so cases cannot be opened yet."))
    if population not in Population.values:
        raise ApplicationError(gettext("Say whether the person is an adult or a child."), field="population")
    if nationality not in Nationality.values:
        raise ApplicationError(gettext("Choose the person's nationality group."), field="nationality")
    _check_person(person)
    _check_population(population, person)
    if population == Population.CHILD and workflow.child.involve and municipality is None:
        # The orphan's court that must take part is the one of the place where the child lives.
        raise ApplicationError(
            gettext("Choose the municipality where the child lives: its orphan's court takes part in the case."),
            field="municipality",
        )
    forms = _clean_codes(forms, name="forms", allowed=set(ExploitationForm.values))
    countries = _clean_codes(countries, name="countries", length=COUNTRY_CODE_LENGTH)
    initial = workflow.state(workflow.initial_state)
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            reference=_next_reference(workflow.reference_prefix, timezone.localtime(now).year),
            model_version=version,
            state=initial.id,
            state_kind=initial.kind,
            population=population,
            nationality=nationality,
            municipality=municipality,
            recognising_institution=institution,
            forms=forms,
            countries=countries,
            screening=screening,
            opened_at=now,
        )
        Person.objects.create(
            case=case,
            given_name=person.given_name.strip(),
            family_name=person.family_name.strip(),
            birth_date=person.birth_date.isoformat() if person.birth_date else "",
            personal_code=person.personal_code.strip(),
            phone=person.phone.strip(),
            email=person.email.strip(),
            address=person.address.strip(),
            blind_index=_person_index(person),
            sex=person.sex,
            age_band=person.age_band,
            citizenship=person.citizenship,
            languages=person.languages,
        )
        CaseParty.objects.create(
            case=case, institution=institution, reason=CaseParty.Reason.RECOGNISED, data_scope=[], joined_at=now
        )
        Assignment.objects.create(case=case, user=by, assigned_by=by)
        case_event(
            case=case,
            kind="case.opened",
            by=by,
            details={"state": initial.id, "screening": screening.pk if screening else None},
        )
        if case.is_child:
            _, missing = involve_parties(
                case=case,
                type_codes=workflow.child.involve,
                reason=CaseParty.Reason.CHILD,
                by=by,
                data_scope=workflow.child.data_scope,
            )
            if missing:
                # A child's case never goes ahead without the institutions the law puts beside the child.
                raise ApplicationError(
                    gettext(
                        "No institution of the kind “%(kind)s” serves this municipality in the directory, and a "
                        "child's case cannot be opened without it. Ask the national coordinator to add it."
                    )
                    % {"kind": missing[0]},
                    field="municipality",
                )
        case_audit(
            action="case.opened",
            case=case,
            by=by,
            ip_address=ip_address,
            new_values={
                "state": initial.id,
                "population": population,
                "nationality": nationality,
                "municipality": municipality.code if municipality else "",
                "forms": forms,
                "model_version": version.number,
            },
        )
        case_fact_refresh(case=case)
    return case


def person_update(*, by, case: Case, person: PersonData, ip_address: str | None = None) -> Person:
    """Correct or complete the person's data (only an institution allowed to see identity and contacts may)."""
    institution = require_editable(by=by, case=case)
    require_capability(by, Capability.PERSONAL_DATA_VIEW)
    if not {DataCategory.IDENTITY, DataCategory.CONTACTS} <= party_scope(party_of(case=case, institution=institution)):
        raise Forbidden(
            gettext("Your institution may not see the person's identity and contacts, so it cannot change them.")
        )
    _check_person(person)
    _check_population(case.population, person)
    with transaction.atomic():
        record = Person.objects.select_for_update().get(case=case)
        changed = []
        new = {
            "given_name": person.given_name.strip(),
            "family_name": person.family_name.strip(),
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "personal_code": person.personal_code.strip(),
            "phone": person.phone.strip(),
            "email": person.email.strip(),
            "address": person.address.strip(),
            "sex": person.sex,
            "age_band": person.age_band,
            "citizenship": person.citizenship,
            "languages": person.languages,
        }
        for name, value in new.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed.append(name)
        record.blind_index = _person_index(person)
        record.save()
        if changed:
            case_event(case=case, kind="person.updated", by=by, details={"fields": changed})
            # Which fields changed, never their values: the audit log must not hold personal data.
            case_audit(action="person.updated", case=case, by=by, new_values={"fields": changed}, ip_address=ip_address)
            case_fact_refresh(case=case)
    return record


def person_data_read(*, by, case: Case, purpose: str = "case page", ip_address: str | None = None) -> None:
    """Record that `by` was shown the person's identifying data (the caller shows it only after this succeeds)."""
    require_capability(by, Capability.PERSONAL_DATA_VIEW)
    require_visible(by=by, case=case)
    with transaction.atomic():
        case_audit(action="person.viewed", case=case, by=by, purpose=purpose, ip_address=ip_address)


def case_assign(*, by, case: Case, user, ip_address: str | None = None) -> Assignment:
    """A supervisor assigns a colleague of the same institution to the case."""
    institution = require_editable(by=by, case=case)
    require_capability(by, Capability.CASES_SUPERVISE)
    if (
        user.institution is None
        or user.institution.pk != institution.pk
        or not user.has_capability(Capability.CASES_VIEW)
    ):
        raise ApplicationError(gettext("Only a colleague who works with cases can be assigned."), field="user")
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            case=case, user=user, ended_at=None, defaults={"assigned_by": by}
        )
        if created:
            case_event(case=case, kind="case.assigned", by=by, details={"user": user.pk})
            case_audit(
                action="case.assigned",
                case=case,
                by=by,
                new_values={"user": user.get_username()},
                ip_address=ip_address,
            )
            notify(users=[user], kind="case.assigned", case=case, key=f"assigned:{assignment.pk}")
    return assignment


def case_unassign(*, by, case: Case, user, ip_address: str | None = None) -> None:
    """End an assignment (a supervisor, or the worker themselves handing the case back)."""
    require_editable(by=by, case=case)
    if by.pk != user.pk:
        require_capability(by, Capability.CASES_SUPERVISE)
    with transaction.atomic():
        ended = Assignment.objects.filter(case=case, user=user, ended_at__isnull=True).update(ended_at=timezone.now())
        if not ended:
            raise NotFoundOrForbidden()
        case_event(case=case, kind="case.unassigned", by=by, details={"user": user.pk})
        case_audit(
            action="case.unassigned", case=case, by=by, new_values={"user": user.get_username()}, ip_address=ip_address
        )


def break_glass_open(*, by, case: Case, reason: str, ip_address: str | None = None) -> BreakGlassAccess:
    """Emergency access to a case of another institution: a written reason, a time limit, an audit flag."""
    require_capability(by, Capability.CASES_BREAK_GLASS)
    institution = acting_institution(by)
    reason = (reason or "").strip()
    if len(reason) < BREAK_GLASS_REASON_MIN:
        raise ApplicationError(
            gettext("Explain the emergency in at least %(min)d characters.") % {"min": BREAK_GLASS_REASON_MIN},
            field="reason",
        )
    hours = case_workflow(case).break_glass_hours
    with transaction.atomic():
        access = BreakGlassAccess.objects.create(
            case=case,
            user=by,
            institution=institution,
            reason=reason,
            expires_at=timezone.now() + timedelta(hours=hours),
        )
        case_event(case=case, kind="case.break_glass", by=by, details={"hours": hours})
        case_audit(
            action="case.break_glass",
            case=case,
            by=by,
            purpose="emergency access",
            new_values={"hours": hours, "flagged": True},
            ip_address=ip_address,
        )
        parties = CaseParty.objects.filter(case=case, left_at__isnull=True).select_related("institution")
        for party in parties:
            notify(
                users=institution_staff(institution=party.institution, capability=Capability.CASES_SUPERVISE),
                kind="case.break_glass",
                case=case,
                key=f"breakglass:{access.pk}:{party.institution_id}",
            )
    return access


def break_glass_review(*, by, access: BreakGlassAccess, ip_address: str | None = None) -> BreakGlassAccess:
    """Someone with audit rights over the accessing institution confirms they have looked at the reason."""
    if not (
        by.has_capability(Capability.AUDIT_VIEW_ALL)
        or (by.has_capability(Capability.AUDIT_VIEW) and by.institution and by.institution.pk == access.institution_id)
    ):
        raise NotFoundOrForbidden()
    if access.user_id == by.pk:
        raise Forbidden(gettext("Your own emergency access must be reviewed by someone else."))
    with transaction.atomic():
        access.reviewed_by = by
        access.reviewed_at = timezone.now()
        access.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
        case_audit(
            action="case.break_glass_reviewed",
            case=access.case,
            by=by,
            purpose="audit review",
            new_values={"access": access.pk},
            ip_address=ip_address,
        )
    return access
