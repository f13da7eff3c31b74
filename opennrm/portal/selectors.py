"""Reading the public information resource: what the public may see now, and what editors work on.

"Published" always means: the language version is published, or scheduled with its time already come, and the item
is not archived. Selectors compare with the clock on every read, so a scheduled version appears by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.portal.models import (
    ContentItem,
    ContentRevision,
    ContentTranslation,
    Kind,
    Language,
    PublicationFile,
    Status,
)

LANGUAGES: tuple[str, ...] = tuple(Language.values)
VISIBLE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)


def visible_to_public(now: dt.datetime | None = None) -> Q:
    """The condition on language versions for what the public sees at `now` (default: this moment)."""
    return Q(
        status__in=VISIBLE_STATUSES,
        published_at__isnull=False,
        published_at__lte=now or timezone.now(),
        item__archived_at__isnull=True,
    )


def is_visible(translation: ContentTranslation, *, now: dt.datetime | None = None) -> bool:
    """Whether the public sees this language version at `now` (the same rule as the queries, in Python)."""
    moment = now or timezone.now()
    return (
        translation.status in VISIBLE_STATUSES
        and translation.published_at is not None
        and translation.published_at <= moment
        and translation.item.archived_at is None
    )


# --- What the public sees ------------------------------------------------------------------------------------------


def published_items(*, kind: str, language: str, now: dt.datetime | None = None) -> QuerySet[ContentTranslation]:
    """Visible language versions of one kind, newest publication first, with their item.

    Events and publications come with their details (`translation.item.event` / `.publication`) in the same query.
    """
    related = ["item"]
    if kind == Kind.EVENT:
        related.append("item__event")
    elif kind == Kind.PUBLICATION:
        related.append("item__publication")
    return (
        ContentTranslation.objects.filter(visible_to_public(now), kind=kind, language=language)
        .select_related(*related)
        .order_by("-published_at", "-pk")
    )


def published_item(*, kind: str, slug: str, language: str, now: dt.datetime | None = None) -> ContentTranslation | None:
    """The visible version of one item in `language`, or None (missing, not yet published, archived)."""
    # Unordered, so the database finds it through the (kind, slug) and (item, language) keys instead of walking the
    # newest-first index of every published version until the slug turns up.
    found = list(published_items(kind=kind, language=language, now=now).filter(item__slug=slug).order_by()[:1])
    return found[0] if found else None


def item_languages(item: ContentItem, *, now: dt.datetime | None = None) -> list[str]:
    """The languages in which the public can read `item` now, in the order of the language switch."""
    found = set(ContentTranslation.objects.filter(visible_to_public(now), item=item).values_list("language", flat=True))
    return [language for language in LANGUAGES if language in found]


def published_item_languages(*, kind: str, slug: str, now: dt.datetime | None = None) -> list[str]:
    """The languages an item (by address) is published in; empty when the public cannot see it at all.

    For the page that says "not available in this language" and offers the others.
    """
    found = set(
        ContentTranslation.objects.filter(visible_to_public(now), kind=kind, item__slug=slug).values_list(
            "language", flat=True
        )
    )
    return [language for language in LANGUAGES if language in found]


def published_files(*, item: ContentItem, language: str) -> list[PublicationFile]:
    """The files of a publication for readers of `language`: those in that language and the language-free ones."""
    return list(item.files.filter(Q(language=language) | Q(language="")).order_by("language", "original_name"))


def published_file(*, token: str, now: dt.datetime | None = None) -> PublicationFile | None:
    """A file the public may download: its publication is visible in some language, and so is the file's."""
    found = PublicationFile.objects.select_related("item").filter(token=token, item__kind=Kind.PUBLICATION).first()
    if found is None:
        return None
    languages = item_languages(found.item, now=now)
    if not languages or (found.language and found.language not in languages):
        return None
    return found


def last_modified(*, kind: str | None = None, language: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When what the public sees in `language` (of `kind`, or of every kind) last changed; None if never.

    The later of the last change to any version that is or was public (one withdrawn or archived is a change: its
    publication date stays) and the last moment a scheduled version came into view, which no write marks.
    """
    moment = now or timezone.now()
    rows = ContentTranslation.objects.filter(language=language)
    if kind is not None:
        rows = rows.filter(kind=kind)
    found = rows.aggregate(
        changed=Max("updated_at", filter=Q(published_at__isnull=False)),
        appeared=Max("published_at", filter=Q(status__in=VISIBLE_STATUSES, published_at__lte=moment)),
    )
    candidates = [value for value in (found["changed"], found["appeared"]) if value is not None]
    return min(max(candidates), moment) if candidates else None


# --- What editors see ----------------------------------------------------------------------------------------------


def can_edit(user) -> bool:
    return bool(user and user.is_authenticated and user.has_capability(Capability.PORTAL_EDIT))


def require_editor(user) -> None:
    """Services and editor pages answer the same to a missing item and to someone who may not edit."""
    if not can_edit(user):
        raise NotFoundOrForbidden()


@dataclass(frozen=True)
class LanguageState:
    language: str
    translation: ContentTranslation | None

    @property
    def missing(self) -> bool:
        return self.translation is None

    @property
    def status(self) -> str:
        return self.translation.status if self.translation else ""


@dataclass(frozen=True)
class EditorRow:
    item: ContentItem
    languages: list[LanguageState]

    @property
    def title(self) -> str:
        written = {state.language: state.translation for state in self.languages if state.translation is not None}
        return item_title(self.item, written)

    @property
    def missing_languages(self) -> list[str]:
        return [state.language for state in self.languages if state.missing]


def editor_items(
    *,
    user,
    kind: str | None = None,
    language: str | None = None,
    status: str | None = None,
    missing: str | None = None,
    include_archived: bool = False,
    limit: int = 200,
) -> list[EditorRow]:
    """The editor's list: every item with the state of each language version, newest change first.

    `language` with `status` keeps items whose version in that language has that status; `missing` keeps items
    with no version at all in that language. Three queries whatever the length of the list.
    """
    require_editor(user)
    items = ContentItem.objects.all()
    if kind:
        items = items.filter(kind=kind)
    if not include_archived and status != Status.ARCHIVED:
        items = items.filter(archived_at__isnull=True)
    if status:
        matching = ContentTranslation.objects.filter(status=status)
        if language:
            matching = matching.filter(language=language)
        items = items.filter(pk__in=matching.values("item_id"))
    elif language:
        items = items.filter(translations__language=language).distinct()
    if missing:
        items = items.exclude(translations__language=missing)
    items = items.order_by("-updated_at", "-pk").prefetch_related(
        Prefetch("translations", queryset=ContentTranslation.objects.order_by("language"))
    )[:limit]
    rows = []
    for item in items:
        by_language = {translation.language: translation for translation in item.translations.all()}
        rows.append(
            EditorRow(
                item=item,
                languages=[LanguageState(language, by_language.get(language)) for language in LANGUAGES],
            )
        )
    return rows


def access_item(*, user, item_id: int) -> ContentItem:
    """An item for its editor, with its details; missing and not allowed answer the same."""
    require_editor(user)
    item = ContentItem.objects.select_related("event", "publication", "created_by").filter(pk=item_id).first()
    if item is None:
        raise NotFoundOrForbidden()
    return item


def item_title(item: ContentItem, translations: dict[str, ContentTranslation] | None = None) -> str:
    """The item's title for editors: in the interface language if written, else the first written, else its address."""
    translations = translations if translations is not None else item_translations(item)
    preferred = (get_language() or "").split("-")[0]
    for language in (preferred, *LANGUAGES):
        if language in translations:
            return translations[language].title
    return item.slug


def item_translations(item: ContentItem) -> dict[str, ContentTranslation]:
    return {t.language: t for t in item.translations.select_related("updated_by")}


def access_translation(*, user, item_id: int, language: str) -> ContentTranslation | None:
    """The item's version in `language` for its editor, or None when it is not written yet."""
    item = access_item(user=user, item_id=item_id)
    if language not in LANGUAGES:
        raise NotFoundOrForbidden()
    translation = item.translations.filter(language=language).first()
    if translation is not None:
        translation.item = item  # one object, so the details read above are not fetched again
    return translation


def translation_revisions(translation: ContentTranslation) -> list[ContentRevision]:
    return list(translation.revisions.select_related("changed_by").order_by("-number"))


def access_revision(*, translation: ContentTranslation, number: int) -> ContentRevision:
    found = translation.revisions.select_related("changed_by").filter(number=number).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


def item_files(item: ContentItem) -> list[PublicationFile]:
    return list(item.files.select_related("uploaded_by").order_by("language", "original_name", "pk"))


def access_file(*, user, item: ContentItem, file_id: int) -> PublicationFile:
    require_editor(user)
    found = item.files.filter(pk=file_id).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


def editor_counts(*, user) -> dict[str, int]:
    """Language versions per status across items not archived, for the editor's overview."""
    require_editor(user)
    counts = dict.fromkeys(Status.values, 0)
    rows = (
        ContentTranslation.objects.filter(item__archived_at__isnull=True)
        .values_list("status")
        .order_by()
        .annotate(n=Count("pk"))
    )
    for status, n in rows:
        counts[status] = n
    return counts
