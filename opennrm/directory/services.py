"""Changing the directory: the contact points an institution publishes about itself."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.directory.models import ContactPoint, Institution
from opennrm.directory.selectors import can_edit_directory, can_edit_institution, content_languages

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,38}$")
LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")
MAX_LABEL = 200
MAX_HOURS = 200
MAX_LANGUAGES = 12
# Stored as data, not shown as interface text, so it is kept in one language.
AUDIT_PURPOSE = "directory upkeep"


def _snapshot(point: ContactPoint) -> dict[str, Any]:
    return {
        "institution": point.institution.code,
        "labels": point.labels,
        "phone": point.phone,
        "email": point.email,
        "hours": point.hours,
        "languages": point.languages,
        "audience": point.audience,
        "is_round_the_clock": point.is_round_the_clock,
        "is_active": point.is_active,
    }


def _check_editor(*, by, institution: Institution) -> None:
    if not can_edit_directory(user=by):
        raise Forbidden(gettext("You may not change the directory."))
    if not can_edit_institution(user=by, institution=institution):
        raise NotFoundOrForbidden()


def _clean_texts(values: Any, *, field: str, languages: list[str], required: bool, max_length: int) -> dict[str, str]:
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ApplicationError(gettext("Give the text as one entry per language."), field=field)
    unknown = sorted(set(values) - set(languages))
    if unknown:
        raise ApplicationError(
            gettext("Unknown language '%(language)s'.") % {"language": unknown[0]},
            field=f"{field}.{unknown[0]}",
        )
    cleaned = {}
    for language in languages:
        text = values.get(language) or ""
        if not isinstance(text, str):
            raise ApplicationError(gettext("This must be text."), field=f"{field}.{language}")
        text = text.strip()
        if required and not text:
            raise ApplicationError(gettext("This text is required in every language."), field=f"{field}.{language}")
        if len(text) > max_length:
            raise ApplicationError(
                gettext("Use at most %(count)d characters.") % {"count": max_length},
                field=f"{field}.{language}",
            )
        if text:
            cleaned[language] = text
    return cleaned


def _clean_phone(phone: str | None) -> str:
    phone = " ".join((phone or "").split())
    if phone and (not PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < 3):
        raise ApplicationError(
            gettext("Enter a phone number of digits, spaces and an optional leading +, e.g. +371 20000000."),
            field="phone",
        )
    return phone


def _clean_email(email: str | None) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(gettext("Enter a valid e-mail address."), field="email") from None
    return email


def _clean_languages(languages: Any) -> list[str]:
    if languages is None:
        return []
    if not isinstance(languages, list | tuple):
        raise ApplicationError(gettext("Give the languages as a list of codes such as lv, ru."), field="languages")
    cleaned: list[str] = []
    for code in languages:
        code = str(code).strip().lower()
        if not LANGUAGE_CODE_RE.match(code):
            raise ApplicationError(
                gettext("'%(code)s' is not a language code; use two or three letters such as lv, en, ru.")
                % {"code": code},
                field="languages",
            )
        if code not in cleaned:
            cleaned.append(code)
    if len(cleaned) > MAX_LANGUAGES:
        raise ApplicationError(
            gettext("List at most %(count)d languages.") % {"count": MAX_LANGUAGES}, field="languages"
        )
    return cleaned


def contact_point_clean(
    *,
    labels: dict[str, str],
    phone: str,
    email: str,
    hours: dict[str, str],
    languages: list[str],
    audience: str,
    is_round_the_clock: bool,
    text_languages: list[str],
) -> dict[str, Any]:
    """The contact point's values normalised, or ApplicationError naming the first field at fault."""
    cleaned = {
        "labels": _clean_texts(labels, field="labels", languages=text_languages, required=True, max_length=MAX_LABEL),
        "phone": _clean_phone(phone),
        "email": _clean_email(email),
        "hours": _clean_texts(hours, field="hours", languages=text_languages, required=False, max_length=MAX_HOURS),
        "languages": _clean_languages(languages),
        "audience": audience,
        "is_round_the_clock": bool(is_round_the_clock),
    }
    if audience not in ContactPoint.Audience.values:
        raise ApplicationError(
            gettext("Audience must be one of: %(choices)s.") % {"choices": ", ".join(ContactPoint.Audience.values)},
            field="audience",
        )
    if not cleaned["phone"] and not cleaned["email"]:
        raise ApplicationError(gettext("Give a phone number, an e-mail address or both."), field="phone")
    return cleaned


def contact_point_save(
    *,
    institution: Institution,
    contact_point: ContactPoint | None = None,
    labels: dict[str, str],
    phone: str,
    email: str,
    hours: dict[str, str],
    languages: list[str],
    audience: str,
    is_round_the_clock: bool,
    by,
    ip_address: str | None = None,
) -> ContactPoint:
    """Create a contact point of `institution` or change `contact_point`, checking who asks and what."""
    _check_editor(by=by, institution=institution)
    if contact_point is not None and (contact_point.institution_id != institution.pk or not contact_point.is_active):
        raise NotFoundOrForbidden()
    cleaned = contact_point_clean(
        labels=labels,
        phone=phone,
        email=email,
        hours=hours,
        languages=languages,
        audience=audience,
        is_round_the_clock=is_round_the_clock,
        text_languages=content_languages(),
    )

    with transaction.atomic():
        if contact_point is None:
            next_order = (institution.contact_points.aggregate(top=Max("order"))["top"] or 0) + 1
            point = ContactPoint.objects.create(institution=institution, order=next_order, **cleaned)
            old_values, action = None, "directory.contact_point_create"
        else:
            point = ContactPoint.objects.select_for_update().select_related("institution").get(pk=contact_point.pk)
            # The check above read a copy; a disable that committed since then must win over this edit.
            if not point.is_active or point.institution_id != institution.pk:
                raise NotFoundOrForbidden()
            old_values = _snapshot(point)
            for name, value in cleaned.items():
                setattr(point, name, value)
            if _snapshot(point) == old_values:
                return point
            point.save()
            action = "directory.contact_point_update"
        _audit(point, action=action, by=by, old_values=old_values, ip_address=ip_address)
    return point


def _audit(point: ContactPoint, *, action: str, by, old_values: dict | None, ip_address: str | None) -> None:
    audit_record(
        action=action,
        actor=by,
        object_type="contact_point",
        object_id=point.pk,
        old_values=old_values,
        new_values=_snapshot(point),
        purpose=AUDIT_PURPOSE,
        ip_address=ip_address,
        # Filed under the institution concerned, which the coordinator's own institution is not.
        institution=point.institution,
    )


def contact_point_disable(*, contact_point: ContactPoint, by, ip_address: str | None = None) -> ContactPoint:
    """Withdraw a contact point; it is kept, disabled, so the audit trail keeps its meaning."""
    _check_editor(by=by, institution=contact_point.institution)
    with transaction.atomic():
        point = ContactPoint.objects.select_for_update().select_related("institution").get(pk=contact_point.pk)
        if not point.is_active:
            raise NotFoundOrForbidden()
        old_values = _snapshot(point)
        point.is_active = False
        point.save(update_fields=["is_active", "updated_at"])
        _audit(point, action="directory.contact_point_disable", by=by, old_values=old_values, ip_address=ip_address)
    return point
