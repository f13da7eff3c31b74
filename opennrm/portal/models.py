"""What the public information resource publishes: news, events, publications and simple pages.

An item (`ContentItem`) is language-neutral; what the public reads is its `ContentTranslation` in lv, en or ru,
each with its own status, so a Latvian version can be published while the Russian one is still a draft or missing.
Nothing here refers to cases or people: editors hold `portal.edit` and no other power.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NEWS = "news", _("News")
    EVENT = "event", _("Event")
    PUBLICATION = "publication", _("Publication")
    PAGE = "page", _("Page")


class Language(models.TextChoices):
    # The names of the languages in themselves, as a language switch shows them.
    LV = "lv", "Latviešu"
    EN = "en", "English"
    RU = "ru", "Русский"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class EventCategory(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    TRAINING = "training", _("Training")
    MEETING = "meeting", _("Meeting")
    CAMPAIGN = "campaign", _("Awareness campaign")
    OTHER = "other", _("Other")


class PublicationType(models.TextChoices):
    MODEL = "model", _("Cooperation model")
    GUIDELINES = "guidelines", _("Guidelines")
    POLICY = "policy", _("Policy planning document")
    REPORT = "report", _("Report")
    STUDY = "study", _("Study")
    LEAFLET = "leaflet", _("Information material")
    OTHER = "other", _("Other")


class PublicationFileStorage(FileSystemStorage):
    """Publication files under OPENNRM_PORTAL_FILES_DIR (default: <data dir>/portal-files), read at each use.

    There is no MEDIA_URL: files are served by the public views, which know whether the item is published.
    """

    @property
    def base_location(self):  # type: ignore[override]
        return str(getattr(settings, "OPENNRM_PORTAL_FILES_DIR", settings.DATA_DIR / "portal-files"))

    @property
    def location(self):  # type: ignore[override]
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):  # type: ignore[override]
        return None


def publication_storage() -> PublicationFileStorage:
    return PublicationFileStorage()


class ContentItem(models.Model):
    """One news item, event, publication or page; its text lives in its translations."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An archived item disappears from every public page in every language (and its translations are archived).
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="portal_item_unique_kind_slug")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.slug}"


class ContentTranslation(models.Model):
    """The item in one language, with its own status.

    `published_at` is when the public first could (or, when scheduled, will) see this language version: the
    date news lists and feeds show, and the one moment selectors compare with now, so that a scheduled version
    appears by itself when its time comes, without a job having to run.
    """

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="translations")
    # A copy of the item's kind (which never changes), so that public lists read one index without a join.
    kind = models.CharField(max_length=16, choices=Kind.choices, editable=False)
    language = models.CharField(max_length=2, choices=Language.choices)
    title = models.CharField(max_length=300)
    summary = models.TextField(max_length=1000, blank=True)
    body = models.TextField(blank=True)  # Markdown, rendered by opennrm.portal.rendering
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["item", "language"], name="portal_translation_unique_language"),
        ]
        indexes = [
            models.Index(fields=["kind", "language", "status", "-published_at"], name="portal_tr_published"),
            # The newest change in a language (Last-Modified of public pages) is read from the index alone.
            models.Index(fields=["language", "kind", "status", "published_at", "updated_at"], name="portal_tr_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.item} [{self.language}] {self.title}"


class EventDetails(models.Model):
    item = models.OneToOneField(ContentItem, on_delete=models.CASCADE, related_name="event")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    organiser = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=32, choices=EventCategory.choices, default=EventCategory.OTHER)
    registration_url = models.URLField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["starts_at"], name="portal_event_starts_at")]

    def __str__(self) -> str:
        return f"{self.item} @ {self.starts_at:%Y-%m-%d %H:%M}"


class PublicationDetails(models.Model):
    item = models.OneToOneField(ContentItem, on_delete=models.CASCADE, related_name="publication")
    published_on = models.DateField()
    publication_type = models.CharField(max_length=32, choices=PublicationType.choices, default=PublicationType.OTHER)

    class Meta:
        indexes = [models.Index(fields=["-published_on"], name="portal_pub_published_on")]

    def __str__(self) -> str:
        return f"{self.item} ({self.published_on})"


def _publication_file_path(instance: PublicationFile, filename: str) -> str:
    # The stored name is random: what people called the file is kept in `original_name`, never used as a path.
    return f"{instance.item_id}/{instance.token}{Path(filename).suffix.lower()}"


class PublicationFile(models.Model):
    """A file of a publication, in one language or (language "") for every language."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="files")
    language = models.CharField(max_length=2, choices=Language.choices, blank=True)
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(upload_to=_publication_file_path, storage=publication_storage, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "language", "original_name", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ContentRevision(models.Model):
    """A saved state of a translation: who changed it, when, why, and the text and status it had."""

    translation = models.ForeignKey(ContentTranslation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    publish_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    change_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["translation_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="portal_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.translation} #{self.number}"
