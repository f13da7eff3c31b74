"""Every change to the public site's content: one transaction each, with its audit event and, for text, a revision.

Only holders of `portal.edit` may call these (anyone else is answered as if the item did not exist). A language
version moves draft → scheduled → published → archived; it can go back to draft at any time (a schedule cancelled,
a version withdrawn), and a published or archived version can be published again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.portal.models import (
    ContentItem,
    ContentRevision,
    ContentTranslation,
    EventCategory,
    EventDetails,
    Kind,
    Language,
    PublicationDetails,
    PublicationFile,
    PublicationType,
    Status,
)
from opennrm.portal.selectors import require_editor
from opennrm.portal.uploads import CheckedFile, check_file

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


# --- Checks shared by the services ---------------------------------------------------------------------------------


def _text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
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


def _language(language: str, *, field: str = "language", allow_blank: bool = False) -> str:
    if allow_blank and language == "":
        return ""
    if language not in Language.values:
        raise ApplicationError(gettext("Choose Latvian, English or Russian."), field=field)
    return language


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
        _text(value, field=field, limit=300)
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


def _audit(*, action: str, by, obj, old_values=None, new_values=None, ip_address=None) -> None:
    audit_record(
        action=f"portal.{action}",
        actor=by,
        object_type=f"portal.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        old_values=old_values,
        new_values=new_values,
        ip_address=ip_address,
    )


def _lock_translation(translation: ContentTranslation) -> ContentTranslation:
    # Two editors pressing "Publish" at once: the second reads the first one's result and numbers revisions after it.
    return ContentTranslation.objects.select_for_update(of=("self",)).select_related("item").get(pk=translation.pk)


def _revise(translation: ContentTranslation, *, by, change_note: str) -> ContentRevision:
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


def _translation_values(translation: ContentTranslation) -> dict:
    return {
        "language": translation.language,
        "title": translation.title,
        "status": translation.status,
        "publish_at": translation.publish_at,
        "published_at": translation.published_at,
    }


def _touch_item(item: ContentItem) -> None:
    """Mark the item and its versions changed, so the public pages' Last-Modified moves on."""
    now = timezone.now()
    ContentItem.objects.filter(pk=item.pk).update(updated_at=now)
    item.translations.update(updated_at=now)


def _checked_files(files: list[FileUpload]) -> list[tuple[CheckedFile, str]]:
    checked = []
    for upload in files:
        language = _language(upload.language, field="file_language", allow_blank=True)
        checked.append((check_file(name=upload.name, content=upload.content), language))
    return checked


# --- Items ---------------------------------------------------------------------------------------------------------


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
    language = _language(language)
    title = _text(title, field="title", limit=TITLE_MAX, required=True)
    summary = _text(summary, field="summary", limit=SUMMARY_MAX)
    body = _text(body, field="body", limit=BODY_MAX)
    change_note = _text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    event = _event(event) if kind == Kind.EVENT else None
    publication = _publication(publication) if kind == Kind.PUBLICATION else None
    if files and kind != Kind.PUBLICATION:
        raise ApplicationError(gettext("Only publications have files."), field="file")
    # Every file is checked before anything is written: a refused file leaves no item behind.
    checked = _checked_files(files or [])
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
            _revise(translation, by=by, change_note=change_note or gettext("Created."))
            _audit(action="item_create", by=by, obj=item, new_values=_item_values(item), ip_address=ip_address)
            _audit(
                action="translation_save",
                by=by,
                obj=translation,
                new_values=_translation_values(translation),
                ip_address=ip_address,
            )
            for checked_file, file_language in checked:
                stored.append(_store_file(item=item, checked=checked_file, language=file_language, by=by))
                _audit_file("file_add", by=by, stored=stored[-1], ip_address=ip_address)
    except BaseException:
        _delete_stored(stored)
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
        item = ContentItem.objects.select_for_update().select_related("event", "publication").get(pk=item.pk)
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
            _touch_item(item)
            _audit(action="item_details_update", by=by, obj=item, old_values=old, new_values=new, ip_address=ip_address)
    return item


def item_archive(*, by, item: ContentItem, change_note: str = "", ip_address: str | None = None) -> ContentItem:
    """Take the item off the public site in every language; its versions are archived with a revision each."""
    require_editor(by)
    change_note = _text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
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
            _revise(translation, by=by, change_note=change_note or gettext("The item was archived."))
        _audit(
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
        _audit(action="item_restore", by=by, obj=item, old_values=old, ip_address=ip_address)
    return item


# --- Language versions ---------------------------------------------------------------------------------------------


def translation_save(
    *,
    by,
    item: ContentItem,
    language: str,
    title: str,
    summary: str = "",
    body: str = "",
    change_note: str = "",
    ip_address: str | None = None,
) -> ContentTranslation:
    """Write the item's text in one language (a new version starts as a draft); each save is a revision.

    Saving a published version changes what the public reads at once, as the editor's page warns.
    """
    require_editor(by)
    language = _language(language)
    title = _text(title, field="title", limit=TITLE_MAX, required=True)
    summary = _text(summary, field="summary", limit=SUMMARY_MAX)
    body = _text(body, field="body", limit=BODY_MAX)
    change_note = _text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        translation = item.translations.select_for_update().filter(language=language).first()
        if translation is None:
            translation = ContentTranslation(item=item, kind=item.kind, language=language)
            old = None
        else:
            old = {"title": translation.title, "summary": translation.summary, "body": translation.body}
            if old == {"title": title, "summary": summary, "body": body}:
                # Nothing changed: no revision and no audit event that would say otherwise.
                return translation
        translation.title, translation.summary, translation.body = title, summary, body
        translation.updated_by = by
        translation.save()
        _revise(translation, by=by, change_note=change_note)
        ContentItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
        _audit(
            action="translation_save",
            by=by,
            obj=translation,
            old_values=_change_summary(old) if old else None,
            new_values={**_translation_values(translation), "item": item.pk, "change_note": change_note},
            ip_address=ip_address,
        )
    return translation


def _change_summary(old: dict) -> dict:
    # The audit log keeps who changed which version when; the full texts are in the revisions.
    return {"title": old["title"], "summary_length": len(old["summary"]), "body_length": len(old["body"])}


def _status_change(
    translation: ContentTranslation,
    *,
    by,
    action: str,
    change_note: str,
    ip_address: str | None,
    apply,
) -> ContentTranslation:
    change_note = _text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    with transaction.atomic():
        translation = _lock_translation(translation)
        old = _translation_values(translation)
        apply(translation)
        translation.updated_by = by
        translation.save()
        _revise(translation, by=by, change_note=change_note)
        ContentItem.objects.filter(pk=translation.item_id).update(updated_at=timezone.now())
        _audit(
            action=action,
            by=by,
            obj=translation,
            old_values=old,
            new_values={**_translation_values(translation), "item": translation.item_id, "change_note": change_note},
            ip_address=ip_address,
        )
    return translation


def _require_item_open(translation: ContentTranslation) -> None:
    if translation.item.archived_at is not None:
        raise ApplicationError(gettext("The item is archived. Restore it before publishing any language version."))


def _forget_unreached_date(translation: ContentTranslation) -> None:
    # A schedule whose time has not come never reached the public, so there is no publication date to keep; one that
    # has come did, and keeping its date lets the public pages' Last-Modified see it disappear.
    if translation.published_at is not None and translation.published_at > timezone.now():
        translation.published_at = None


def translation_publish(
    *, by, translation: ContentTranslation, change_note: str = "", ip_address: str | None = None
) -> ContentTranslation:
    """Make the version public now. Its publication date is kept if it was public before, else it is now."""
    require_editor(by)

    def apply(locked: ContentTranslation) -> None:
        _require_item_open(locked)
        if locked.status == Status.PUBLISHED:
            raise ApplicationError(gettext("This language version is already published."))
        if not locked.title:
            raise ApplicationError(gettext("Write a title."), field="title")
        now = timezone.now()
        if locked.published_at is None or locked.published_at > now:
            locked.published_at = now
        locked.status = Status.PUBLISHED
        locked.publish_at = None

    return _status_change(
        translation,
        by=by,
        action="translation_publish",
        change_note=change_note or gettext("Published."),
        ip_address=ip_address,
        apply=apply,
    )


def translation_schedule(
    *,
    by,
    translation: ContentTranslation,
    publish_at: dt.datetime,
    change_note: str = "",
    ip_address: str | None = None,
) -> ContentTranslation:
    """Publish the version by itself at `publish_at` (in the future); until then the public does not see it."""
    require_editor(by)
    if publish_at is None:
        raise ApplicationError(gettext("Give the date and time of publication."), field="publish_at")
    if timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)

    def apply(locked: ContentTranslation) -> None:
        _require_item_open(locked)
        if publish_at <= timezone.now():
            raise ApplicationError(
                gettext("The publication time must be in the future. To publish now, use “Publish”."),
                field="publish_at",
            )
        if locked.status == Status.PUBLISHED:
            raise ApplicationError(
                gettext("This version is already public. Return it to draft first if it should appear later."),
                field="publish_at",
            )
        locked.status = Status.SCHEDULED
        locked.publish_at = publish_at
        # The moment selectors compare with: from then on the version is public without anything having to run.
        locked.published_at = publish_at

    return _status_change(
        translation,
        by=by,
        action="translation_schedule",
        change_note=change_note or gettext("Scheduled."),
        ip_address=ip_address,
        apply=apply,
    )


def translation_return_to_draft(
    *, by, translation: ContentTranslation, change_note: str = "", ip_address: str | None = None
) -> ContentTranslation:
    """Withdraw a version from the public (or cancel its schedule) and keep working on it as a draft."""
    require_editor(by)

    def apply(locked: ContentTranslation) -> None:
        if locked.status == Status.DRAFT:
            raise ApplicationError(gettext("This language version is already a draft."))
        _forget_unreached_date(locked)
        locked.status = Status.DRAFT
        locked.publish_at = None

    return _status_change(
        translation,
        by=by,
        action="translation_return_to_draft",
        change_note=change_note or gettext("Returned to draft."),
        ip_address=ip_address,
        apply=apply,
    )


def translation_archive(
    *, by, translation: ContentTranslation, change_note: str = "", ip_address: str | None = None
) -> ContentTranslation:
    """Take one language version off the public site; the other languages stay as they are."""
    require_editor(by)

    def apply(locked: ContentTranslation) -> None:
        if locked.status == Status.ARCHIVED:
            raise ApplicationError(gettext("This language version is already archived."))
        _forget_unreached_date(locked)
        locked.status = Status.ARCHIVED
        locked.publish_at = None

    return _status_change(
        translation,
        by=by,
        action="translation_archive",
        change_note=change_note or gettext("Archived."),
        ip_address=ip_address,
        apply=apply,
    )


def revision_restore(
    *, by, revision: ContentRevision, change_note: str = "", ip_address: str | None = None
) -> ContentTranslation:
    """Bring back the text of an earlier revision (the status stays); recorded as a new revision."""
    translation = revision.translation
    return translation_save(
        by=by,
        item=translation.item,
        language=translation.language,
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        change_note=change_note or gettext("Text of revision %(number)d restored.") % {"number": revision.number},
        ip_address=ip_address,
    )


# --- Publication files ---------------------------------------------------------------------------------------------


def _store_file(*, item: ContentItem, checked: CheckedFile, language: str, by) -> PublicationFile:
    stored = PublicationFile(
        item=item,
        language=language,
        token=secrets.token_hex(16),
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    stored.file.save(checked.name, ContentFile(checked.content), save=False)
    stored.save()
    return stored


def _delete_stored(stored: list[PublicationFile]) -> None:
    for publication_file in stored:
        if publication_file.file.name:
            publication_file.file.storage.delete(publication_file.file.name)


def _audit_file(action: str, *, by, stored: PublicationFile, ip_address: str | None) -> None:
    _audit(
        action=action,
        by=by,
        obj=stored,
        new_values={
            "item": stored.item_id,
            "language": stored.language,
            "name": stored.original_name,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        },
        ip_address=ip_address,
    )


def publication_file_add(
    *, by, item: ContentItem, name: str, content: bytes, language: str = "", ip_address: str | None = None
) -> PublicationFile:
    """Attach a checked file (PDF, DOCX, XLSX) to a publication; a refused file stores nothing."""
    require_editor(by)
    if item.kind != Kind.PUBLICATION:
        raise ApplicationError(gettext("Only publications have files."), field="file")
    language = _language(language, field="file_language", allow_blank=True)
    checked = check_file(name=name, content=content)
    stored: list[PublicationFile] = []
    try:
        with transaction.atomic():
            locked = ContentItem.objects.select_for_update().get(pk=item.pk)
            stored.append(_store_file(item=locked, checked=checked, language=language, by=by))
            _touch_item(locked)
            _audit_file("file_add", by=by, stored=stored[0], ip_address=ip_address)
    except BaseException:
        _delete_stored(stored)
        raise
    return stored[0]


def publication_file_remove(*, by, publication_file: PublicationFile, ip_address: str | None = None) -> None:
    """Remove a file from its publication; the stored file is deleted once the removal is committed."""
    require_editor(by)
    with transaction.atomic():
        found = PublicationFile.objects.select_for_update().filter(pk=publication_file.pk).first()
        if found is None:
            raise NotFoundOrForbidden()
        _audit(
            action="file_remove",
            by=by,
            obj=found,
            old_values={"item": found.item_id, "language": found.language, "name": found.original_name},
            ip_address=ip_address,
        )
        name, storage = found.file.name, found.file.storage
        found.delete()
        _touch_item(found.item)
        transaction.on_commit(lambda: storage.delete(name))
