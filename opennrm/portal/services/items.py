"""Items: creating one (with its first language version, details and files, all or nothing), changing an event's
or a publication's details, archiving and restoring."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.portal.models import (
    ContentItem,
    ContentTranslation,
    EventCategory,
    EventDetails,
    Kind,
    PublicationDetails,
    PublicationFile,
    PublicationType,
    Status,
)
from opennrm.portal.selectors import require_editor
from opennrm.portal.services.common import (
    BODY_MAX,
    CHANGE_NOTE_MAX,
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    EventData,
    FileUpload,
    PublicationData,
    audit,
    clean_language,
    clean_text,
    revise,
    touch_item,
    translation_values,
)
from opennrm.portal.services.files import audit_file, checked_files, delete_stored, store_file


def _slug(*, kind: str, slug: str, title: str) -> str:
    wanted = slugify(slug or "")
    if slug and wanted != slug.strip().lower():
        raise ApplicationError(
            gettext("Use only small Latin letters, digits and hyphens in the address (for example “spring-seminar”)."),
            field="slug",
        )
    if not wanted:
        # Latvian letters lose their marks; a Russian title has no Latin letters at all, hence the fallback.
        wanted = slugify(title)[:80].strip("-") or f"{kind}-{secrets.token_hex(3)}"
        base, number = wanted, 2
        while ContentItem.objects.filter(kind=kind, slug=wanted).exists():
            wanted, number = f"{base}-{number}", number + 1
    if len(wanted) > SLUG_MAX:
        raise ApplicationError(gettext("The address is too long: at most 120 characters."), field="slug")
    if ContentItem.objects.filter(kind=kind, slug=wanted).exists():
        raise ApplicationError(
            gettext("Another item of this kind already has the address “%(slug)s”. Choose another.") % {"slug": wanted},
            field="slug",
        )
    return wanted


def _event(data: EventData | None) -> EventData:
    if data is None or data.starts_at is None:
        raise ApplicationError(gettext("Give the date and time the event starts."), field="starts_at")
    if data.ends_at is not None and data.ends_at < data.starts_at:
        raise ApplicationError(gettext("The event cannot end before it starts."), field="ends_at")
    if data.category not in EventCategory.values:
        raise ApplicationError(gettext("Choose a category from the list."), field="category")
    if data.registration_url and not data.registration_url.startswith(("https://", "http://")):
        raise ApplicationError(
            gettext("The registration link must be a web address starting with https://."), field="registration_url"
        )
    for field, value in (("place", data.place), ("organiser", data.organiser)):
        clean_text(value, field=field, limit=300)
    return data


def _publication(data: PublicationData | None) -> PublicationData:
    if data is None or data.published_on is None:
        raise ApplicationError(gettext("Give the date of the publication."), field="published_on")
    if data.publication_type not in PublicationType.values:
        raise ApplicationError(gettext("Choose a type from the list."), field="publication_type")
    return data


def _item_values(item: ContentItem) -> dict:
    values: dict = {"kind": item.kind, "slug": item.slug}
    if item.kind == Kind.EVENT and hasattr(item, "event"):
        event = item.event
        values.update(
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            place=event.place,
            organiser=event.organiser,
            category=event.category,
            registration_url=event.registration_url,
        )
    if item.kind == Kind.PUBLICATION and hasattr(item, "publication"):
        values.update(published_on=item.publication.published_on, publication_type=item.publication.publication_type)
    return values


def item_create(
    *,
    by,
    kind: str,
    language: str,
    title: str,
    summary: str = "",
    body: str = "",
    slug: str = "",
    change_note: str = "",
    event: EventData | None = None,
    publication: PublicationData | None = None,
    files: list[FileUpload] | None = None,
    ip_address: str | None = None,
) -> ContentItem:
    """A new item with its first language version (a draft), its details, and any files; all or nothing."""
    require_editor(by)
    if kind not in Kind.values:
        raise ApplicationError(gettext("Choose what kind of content this is."), field="kind")
    language = clean_language(language)
    title = clean_text(title, field="title", limit=TITLE_MAX, required=True)
    summary = clean_text(summary, field="summary", limit=SUMMARY_MAX)
    body = clean_text(body, field="body", limit=BODY_MAX)
    change_note = clean_text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    event = _event(event) if kind == Kind.EVENT else None
    publication = _publication(publication) if kind == Kind.PUBLICATION else None
    if files and kind != Kind.PUBLICATION:
        raise ApplicationError(gettext("Only publications have files."), field="file")
    # Every file is checked before anything is written: a refused file leaves no item behind.
    checked = checked_files(files or [])
    stored: list[PublicationFile] = []
    try:
        with transaction.atomic():
            slug = _slug(kind=kind, slug=slug, title=title)
            try:
                with transaction.atomic():
                    item = ContentItem.objects.create(kind=kind, slug=slug, created_by=by)
            except IntegrityError:
                # Someone took the address between the check and the insert.
                raise ApplicationError(
                    gettext("Another item of this kind already has the address “%(slug)s”. Choose another.")
                    % {"slug": slug},
                    field="slug",
                ) from None
            if event is not None:
                EventDetails.objects.create(item=item, **event.__dict__)
            if publication is not None:
                PublicationDetails.objects.create(item=item, **publication.__dict__)
            translation = ContentTranslation.objects.create(
                item=item, kind=kind, language=language, title=title, summary=summary, body=body, updated_by=by
            )
            revise(translation, by=by, change_note=change_note or gettext("Created."))
            audit(action="item_create", by=by, obj=item, new_values=_item_values(item), ip_address=ip_address)
            audit(
                action="translation_save",
                by=by,
                obj=translation,
                new_values=translation_values(translation),
                ip_address=ip_address,
            )
            for checked_file, file_language in checked:
                stored.append(store_file(item=item, checked=checked_file, language=file_language, by=by))
                audit_file("file_add", by=by, stored=stored[-1], ip_address=ip_address)
    except BaseException:
        delete_stored(stored)
        raise
    return item


def item_details_update(
    *,
    by,
    item: ContentItem,
    event: EventData | None = None,
    publication: PublicationData | None = None,
    ip_address: str | None = None,
) -> ContentItem:
    """Change an event's time, place and organiser, or a publication's date and type (the same in every language)."""
    require_editor(by)
    with transaction.atomic():
        item = (
            ContentItem.objects.select_for_update(of=("self",)).select_related("event", "publication").get(pk=item.pk)
        )
        old = _item_values(item)
        if item.kind == Kind.EVENT:
            data = _event(event)
            EventDetails.objects.update_or_create(item=item, defaults=data.__dict__)
        elif item.kind == Kind.PUBLICATION:
            data = _publication(publication)
            PublicationDetails.objects.update_or_create(item=item, defaults=data.__dict__)
        else:
            raise ApplicationError(gettext("Only events and publications have details to change."))
        item = ContentItem.objects.select_related("event", "publication").get(pk=item.pk)
        new = _item_values(item)
        if new != old:
            touch_item(item)
            audit(action="item_details_update", by=by, obj=item, old_values=old, new_values=new, ip_address=ip_address)
    return item


def item_archive(*, by, item: ContentItem, change_note: str = "", ip_address: str | None = None) -> ContentItem:
    """Take the item off the public site in every language; its versions are archived with a revision each."""
    require_editor(by)
    change_note = clean_text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        if item.archived_at is not None:
            raise ApplicationError(gettext("This item is already archived."))
        item.archived_at = timezone.now()
        item.save(update_fields=["archived_at", "updated_at"])
        for translation in item.translations.select_for_update().exclude(status=Status.ARCHIVED):
            translation.status = Status.ARCHIVED
            translation.publish_at = None
            translation.updated_by = by
            translation.save(update_fields=["status", "publish_at", "updated_by", "updated_at"])
            revise(translation, by=by, change_note=change_note or gettext("The item was archived."))
        audit(
            action="item_archive", by=by, obj=item, new_values={"archived_at": item.archived_at}, ip_address=ip_address
        )
    return item


def item_restore(*, by, item: ContentItem, ip_address: str | None = None) -> ContentItem:
    """Bring an archived item back for editing; each language version stays archived until published again."""
    require_editor(by)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        if item.archived_at is None:
            raise ApplicationError(gettext("This item is not archived."))
        old = {"archived_at": item.archived_at}
        item.archived_at = None
        item.save(update_fields=["archived_at", "updated_at"])
        audit(action="item_restore", by=by, obj=item, old_values=old, ip_address=ip_address)
    return item
