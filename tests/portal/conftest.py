"""Shared fixtures of the public information resource's tests (read by every portal test module).

- `portal_files_dir` (autouse): publication files go to the test's own temporary folder.
- `portal_editor`: a member of staff holding only `portal.edit` (signed in with `force_login_verified`).
- `portal_content`: a small published world in several languages, built straight into the tables with a fixed
  relative to the real clock (`portal_content.now`, the moment it was built), since public pages read the clock.
- `make_content(...)`: the builder behind it, for tests that need their own items.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from opennrm.core.capabilities import Capability
from opennrm.portal.demo import tiny_docx, tiny_pdf
from opennrm.portal.models import (
    ContentItem,
    ContentRevision,
    ContentTranslation,
    EventCategory,
    EventDetails,
    Kind,
    PublicationDetails,
    PublicationFile,
    PublicationType,
    Status,
)
from tests.factories import RoleFactory, UserFactory


@pytest.fixture(autouse=True)
def portal_files_dir(settings, tmp_path):
    settings.OPENNRM_PORTAL_FILES_DIR = tmp_path / "portal-files"
    return settings.OPENNRM_PORTAL_FILES_DIR


@pytest.fixture
def portal_editor(db):
    role = RoleFactory(code="test_portal_editor", capabilities=[Capability.PORTAL_EDIT])
    return UserFactory(username="portal.editor", first_name="Demo", last_name="Editor", roles=[role])


def make_content(
    *,
    kind: str,
    slug: str,
    versions: dict[str, tuple[str, dt.datetime | None]],
    by=None,
    title: str | None = None,
    event: dict | None = None,
    publication: dict | None = None,
) -> ContentItem:
    """An item with one translation per language: `versions = {"lv": (status, published_at), ...}`.

    A scheduled version gets `publish_at = published_at`, as the services do. Every version has revision 1.
    """
    item = ContentItem.objects.create(kind=kind, slug=slug, created_by=by)
    for language, (status, published_at) in versions.items():
        text = title or slug.replace("-", " ").capitalize()
        translation = ContentTranslation.objects.create(
            item=item,
            kind=kind,
            language=language,
            title=f"{text} ({language})",
            summary=f"Summary of {text} in {language}.",
            body=f"## {text}\n\nSynthetic **test** text in {language}. [Read more](https://example.org/more)",
            status=status,
            publish_at=published_at if status == Status.SCHEDULED else None,
            published_at=published_at,
            updated_by=by,
        )
        ContentRevision.objects.create(
            translation=translation,
            number=1,
            title=translation.title,
            summary=translation.summary,
            body=translation.body,
            status=status,
            publish_at=translation.publish_at,
            changed_by=by,
            change_note="Test content.",
        )
    if event is not None:
        EventDetails.objects.create(item=item, **event)
    if publication is not None:
        PublicationDetails.objects.create(item=item, **publication)
    return item


def add_file(*, item: ContentItem, language: str, name: str, content: bytes, content_type: str, by=None):
    token = secrets.token_hex(16)
    stored = PublicationFile(
        item=item,
        language=language,
        token=token,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )
    stored.file.save(name, ContentFile(content), save=False)
    stored.save()
    return stored


@pytest.fixture
def portal_content(db, portal_editor):
    """News, events, publications and a page, dated relative to now; each item is an attribute of the namespace.

    - news "all-languages": published lv/en/ru; "latvian-only": published lv only; "draft-news": draft lv/en;
      "scheduled-news": lv scheduled in the future (not visible), ru scheduled in the past (visible);
      "archived-news": published lv/en/ru but the item archived.
    - events "upcoming-event" (lv+ru, starts in 3 days), "next-month" (lv only, the 10th of next month),
      "past-event" (lv/en/ru, 30 days ago).
    - publication "general-model": lv/en/ru, a language-independent PDF and a Latvian DOCX.
    - page "about": lv/en/ru.
    """
    now = timezone.now().replace(microsecond=0)
    earlier = now - dt.timedelta(days=10)
    by = portal_editor
    published = Status.PUBLISHED
    everywhere = {language: (published, earlier) for language in ("lv", "en", "ru")}
    world = SimpleNamespace(now=now, editor=by)
    world.news_all = make_content(kind=Kind.NEWS, slug="all-languages", versions=everywhere, by=by)
    world.news_lv = make_content(
        kind=Kind.NEWS, slug="latvian-only", versions={"lv": (published, now - dt.timedelta(days=2))}, by=by
    )
    world.news_draft = make_content(
        kind=Kind.NEWS, slug="draft-news", versions={"lv": (Status.DRAFT, None), "en": (Status.DRAFT, None)}, by=by
    )
    world.news_scheduled = make_content(
        kind=Kind.NEWS,
        slug="scheduled-news",
        versions={
            "lv": (Status.SCHEDULED, now + dt.timedelta(days=1)),
            "ru": (Status.SCHEDULED, now - dt.timedelta(hours=1)),
        },
        by=by,
    )
    world.news_archived = make_content(kind=Kind.NEWS, slug="archived-news", versions=everywhere, by=by)
    ContentItem.objects.filter(pk=world.news_archived.pk).update(archived_at=now - dt.timedelta(days=1))
    ContentTranslation.objects.filter(item=world.news_archived).update(status=Status.ARCHIVED)
    world.news_archived.refresh_from_db()

    world.event_upcoming = make_content(
        kind=Kind.EVENT,
        slug="upcoming-event",
        versions={"lv": (published, earlier), "ru": (published, earlier)},
        by=by,
        event={
            "starts_at": now + dt.timedelta(days=3),
            "ends_at": now + dt.timedelta(days=3, hours=2),
            "place": "Demo hall, Test Street 1, Riga",
            "organiser": "Demo Ministry",
            "category": EventCategory.TRAINING,
            "registration_url": "https://example.org/register",
        },
    )
    next_month = (now.replace(day=1) + dt.timedelta(days=40)).replace(day=10, hour=10, minute=0, second=0)
    world.event_next_month = make_content(
        kind=Kind.EVENT,
        slug="next-month",
        versions={"lv": (published, earlier)},
        by=by,
        event={"starts_at": next_month, "place": "Demo centre", "organiser": "Demo NGO"},
    )
    world.event_past = make_content(
        kind=Kind.EVENT,
        slug="past-event",
        versions={language: (published, now - dt.timedelta(days=60)) for language in ("lv", "en", "ru")},
        by=by,
        event={
            "starts_at": now - dt.timedelta(days=30),
            "ends_at": now - dt.timedelta(days=30) + dt.timedelta(hours=3),
            "place": "Online",
            "organiser": "Demo Working Group",
            "category": EventCategory.MEETING,
        },
    )
    world.publication = make_content(
        kind=Kind.PUBLICATION,
        slug="general-model",
        versions=everywhere,
        by=by,
        title="General Model",
        publication={"published_on": dt.date(2017, 12, 13), "publication_type": PublicationType.MODEL},
    )
    world.publication_pdf = add_file(
        item=world.publication,
        language="",
        name="general-model.pdf",
        content=tiny_pdf("General Model (test)"),
        content_type="application/pdf",
        by=by,
    )
    world.publication_docx = add_file(
        item=world.publication,
        language="lv",
        name="visparejais-modelis.docx",
        content=tiny_docx("Vispārējais modelis (tests)"),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        by=by,
    )
    world.page_about = make_content(kind=Kind.PAGE, slug="about", versions=everywhere, by=by, title="About")
    return world
