"""What every content service shares: input limits and checks, the audit event, revisions, locks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError
from opennrm.portal.models import (
    ContentItem,
    ContentRevision,
    ContentTranslation,
    EventCategory,
    Language,
    PublicationType,
)

TITLE_MAX = 300
SUMMARY_MAX = 1000
BODY_MAX = 100_000
CHANGE_NOTE_MAX = 500
SLUG_MAX = 120


@dataclass(frozen=True)
class EventData:
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    place: str = ""
    organiser: str = ""
    category: str = EventCategory.OTHER
    registration_url: str = ""


@dataclass(frozen=True)
class PublicationData:
    published_on: dt.date
    publication_type: str = PublicationType.OTHER


@dataclass(frozen=True)
class FileUpload:
    """A file to attach: its name as uploaded, its content, and its language ("" = every language)."""

    name: str
    content: bytes
    language: str = ""


def clean_text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        messages = {"title": gettext("Write a title.")}
        raise ApplicationError(messages.get(field, gettext("This field is required.")), field=field)
    if len(value) > limit:
        raise ApplicationError(
            gettext("This text is too long: at most %(limit)d characters (now %(length)d).")
            % {"limit": limit, "length": len(value)},
            field=field,
        )
    return value


def clean_language(language: str, *, field: str = "language", allow_blank: bool = False) -> str:
    if allow_blank and language == "":
        return ""
    if language not in Language.values:
        raise ApplicationError(gettext("Choose Latvian, English or Russian."), field=field)
    return language


def audit(*, action: str, by, obj, old_values=None, new_values=None, ip_address=None) -> None:
    audit_record(
        action=f"portal.{action}",
        actor=by,
        object_type=f"portal.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        old_values=old_values,
        new_values=new_values,
        ip_address=ip_address,
    )


def lock_translation(translation: ContentTranslation) -> ContentTranslation:
    # Two editors pressing "Publish" at once: the second reads the first one's result and numbers revisions after it.
    return ContentTranslation.objects.select_for_update(of=("self",)).select_related("item").get(pk=translation.pk)


def revise(translation: ContentTranslation, *, by, change_note: str) -> ContentRevision:
    last = translation.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ContentRevision.objects.create(
        translation=translation,
        number=last + 1,
        title=translation.title,
        summary=translation.summary,
        body=translation.body,
        status=translation.status,
        publish_at=translation.publish_at,
        changed_by=by,
        change_note=change_note,
    )


def translation_values(translation: ContentTranslation) -> dict:
    return {
        "language": translation.language,
        "title": translation.title,
        "status": translation.status,
        "publish_at": translation.publish_at,
        "published_at": translation.published_at,
    }


def touch_item(item: ContentItem) -> None:
    """Mark the item and its versions changed, so the public pages' Last-Modified moves on."""
    now = timezone.now()
    ContentItem.objects.filter(pk=item.pk).update(updated_at=now)
    item.translations.update(updated_at=now)
