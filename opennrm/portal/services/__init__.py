"""Every change to the public site's content: one transaction each, with its audit event and, for text, a revision.

Only holders of `portal.edit` may call these (anyone else is answered as if the item did not exist). A language
version moves draft → scheduled → published → archived; it can go back to draft at any time (a schedule cancelled,
a version withdrawn), and a published or archived version can be published again.

items.py — items, their details, archiving; translations.py — language versions and their statuses;
files.py — publication files; common.py — checks, the audit event and revisions they share.
"""

from opennrm.portal.services.common import (
    BODY_MAX,
    CHANGE_NOTE_MAX,
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    EventData,
    FileUpload,
    PublicationData,
)
from opennrm.portal.services.files import publication_file_add, publication_file_remove
from opennrm.portal.services.items import item_archive, item_create, item_details_update, item_restore
from opennrm.portal.services.translations import (
    revision_restore,
    translation_archive,
    translation_publish,
    translation_return_to_draft,
    translation_save,
    translation_schedule,
)

__all__ = [
    "BODY_MAX",
    "CHANGE_NOTE_MAX",
    "SLUG_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "EventData",
    "FileUpload",
    "PublicationData",
    "item_archive",
    "item_create",
    "item_details_update",
    "item_restore",
    "publication_file_add",
    "publication_file_remove",
    "revision_restore",
    "translation_archive",
    "translation_publish",
    "translation_return_to_draft",
    "translation_save",
    "translation_schedule",
]
