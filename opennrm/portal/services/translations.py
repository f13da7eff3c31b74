"""Language versions: writing the text (each save a revision) and moving the status draft → scheduled → published →
archived, or back to draft; bringing back an earlier revision's text."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.portal.models import ContentItem, ContentRevision, ContentTranslation, Status
from opennrm.portal.selectors import require_editor
from opennrm.portal.services.common import (
    BODY_MAX,
    CHANGE_NOTE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    audit,
    clean_language,
    clean_text,
    lock_translation,
    revise,
    translation_values,
)


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
    language = clean_language(language)
    title = clean_text(title, field="title", limit=TITLE_MAX, required=True)
    summary = clean_text(summary, field="summary", limit=SUMMARY_MAX)
    body = clean_text(body, field="body", limit=BODY_MAX)
    change_note = clean_text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
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
        revise(translation, by=by, change_note=change_note)
        ContentItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
        audit(
            action="translation_save",
            by=by,
            obj=translation,
            old_values=_change_summary(old) if old else None,
            new_values={**translation_values(translation), "item": item.pk, "change_note": change_note},
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
    change_note = clean_text(change_note, field="change_note", limit=CHANGE_NOTE_MAX)
    with transaction.atomic():
        translation = lock_translation(translation)
        old = translation_values(translation)
        apply(translation)
        translation.updated_by = by
        translation.save()
        revise(translation, by=by, change_note=change_note)
        ContentItem.objects.filter(pk=translation.item_id).update(updated_at=timezone.now())
        audit(
            action=action,
            by=by,
            obj=translation,
            old_values=old,
            new_values={**translation_values(translation), "item": translation.item_id, "change_note": change_note},
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
