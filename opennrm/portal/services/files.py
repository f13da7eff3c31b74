"""Publication files: attached only after every check in opennrm.portal.uploads has passed; a file written to the
storage is removed again when its transaction does not commit."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.portal.models import ContentItem, Kind, PublicationFile
from opennrm.portal.selectors import require_editor
from opennrm.portal.services.common import FileUpload, audit, clean_language, touch_item
from opennrm.portal.uploads import CheckedFile, check_file


def checked_files(files: list[FileUpload]) -> list[tuple[CheckedFile, str]]:
    checked = []
    for upload in files:
        language = clean_language(upload.language, field="file_language", allow_blank=True)
        checked.append((check_file(name=upload.name, content=upload.content), language))
    return checked


def store_file(*, item: ContentItem, checked: CheckedFile, language: str, by) -> PublicationFile:
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


def delete_stored(stored: list[PublicationFile]) -> None:
    for publication_file in stored:
        if publication_file.file.name:
            publication_file.file.storage.delete(publication_file.file.name)


def audit_file(action: str, *, by, stored: PublicationFile, ip_address: str | None) -> None:
    audit(
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
    language = clean_language(language, field="file_language", allow_blank=True)
    checked = check_file(name=name, content=content)
    stored: list[PublicationFile] = []
    try:
        with transaction.atomic():
            locked = ContentItem.objects.select_for_update().get(pk=item.pk)
            stored.append(store_file(item=locked, checked=checked, language=language, by=by))
            touch_item(locked)
            audit_file("file_add", by=by, stored=stored[0], ip_address=ip_address)
    except BaseException:
        delete_stored(stored)
        raise
    return stored[0]


def publication_file_remove(*, by, publication_file: PublicationFile, ip_address: str | None = None) -> None:
    """Remove a file from its publication; the stored file is deleted once the removal is committed."""
    require_editor(by)
    with transaction.atomic():
        found = PublicationFile.objects.select_for_update().filter(pk=publication_file.pk).first()
        if found is None:
            raise NotFoundOrForbidden()
        audit(
            action="file_remove",
            by=by,
            obj=found,
            old_values={"item": found.item_id, "language": found.language, "name": found.original_name},
            ip_address=ip_address,
        )
        name, storage = found.file.name, found.file.storage
        found.delete()
        touch_item(found.item)
        transaction.on_commit(lambda: storage.delete(name))
