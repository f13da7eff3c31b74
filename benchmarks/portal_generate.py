"""Synthetic content for the public information resource benchmark: news, events, publications and pages.

Written straight into the tables in bulk (the editor's services, with a revision and an audit event per change, are
tested elsewhere and would only slow the set-up), shaped like what the services leave: every item has a Latvian
version, most a Russian one, about half an English one; a few are drafts, scheduled for later, or archived. Texts
are obviously fake ("Demo news item No. 123 (benchmark)"), each a page of Markdown. Reproducible from the seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

LANGUAGE_SHARES = {"lv": 1.0, "ru": 0.8, "en": 0.55}
NOT_PUBLIC_SHARE = 0.06  # drafts, versions scheduled for later, archived items
PUBLICATIONS_PER_NEWS = 0.06
PAGES = 12
FILES_PER_PUBLICATION = 2
TITLE_WORDS = {
    "lv": ["cilvēku", "tirdzniecība", "atbalsts", "sadarbība", "pašvaldība", "upuris", "seminārs", "ziņojums"],
    "en": ["trafficking", "support", "cooperation", "municipality", "victim", "seminar", "report", "guidelines"],
    "ru": ["торговля", "людьми", "поддержка", "сотрудничество", "самоуправление", "жертва", "семинар", "доклад"],
}
LABELS = {
    "news": {"lv": "Demonstrācijas ziņa", "en": "Demo news item", "ru": "Демонстрационная новость"},
    "event": {"lv": "Demonstrācijas pasākums", "en": "Demo event", "ru": "Демонстрационное мероприятие"},
    "publication": {"lv": "Demonstrācijas publikācija", "en": "Demo publication", "ru": "Демонстрационная публикация"},
    "page": {"lv": "Demonstrācijas lapa", "en": "Demo page", "ru": "Демонстрационная страница"},
}


@dataclass
class Generated:
    rows: dict[str, int]
    news_slugs: list[str]  # published in Latvian
    event_slugs: list[str]
    publication_slugs: list[str]
    page_slugs: list[str]
    months: list[tuple[int, int]]  # months that have events
    publication_years: list[int]  # years of publications readable in Latvian
    search_word: str  # a word of many Latvian texts
    rare_word: str  # a word of one Latvian text only


def _body(rng: random.Random, language: str, title: str) -> str:
    words = TITLE_WORDS[language]
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)).capitalize() + "." for _ in range(4)]
    items = "\n".join(f"- {' '.join(rng.sample(words, 3))}" for _ in range(5))
    return (
        f"## {title}\n\n{paragraphs[0]}\n\n{paragraphs[1]}\n\n### {rng.choice(words).capitalize()}\n\n{items}\n\n"
        f"{paragraphs[2]} [example.org](https://example.org/demo)\n\n{paragraphs[3]}\n"
    )


def _versions(rng: random.Random) -> list[str]:
    return [language for language, share in LANGUAGE_SHARES.items() if language == "lv" or rng.random() < share]


def content_generate(*, news: int, events: int, seed: int, now: dt.datetime | None = None) -> Generated:
    """Add `news` news items, `events` events, publications (6 % of the news, with files) and pages."""
    from opennrm.portal.demo import tiny_pdf
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

    rng = random.Random(seed)
    now = now or timezone.now()
    counts = {
        Kind.NEWS: news,
        Kind.EVENT: events,
        Kind.PUBLICATION: max(3, int(news * PUBLICATIONS_PER_NEWS)),
        Kind.PAGE: PAGES,
    }
    rare_word = "zilonkaulskrastszīmulis"
    with transaction.atomic():
        items = ContentItem.objects.bulk_create(
            [
                ContentItem(kind=kind, slug=f"bench-{kind}-{number:05d}")
                for kind, count in counts.items()
                for number in range(count)
            ],
            batch_size=500,
        )
        translations, events_rows, publication_rows, archived = [], [], [], []
        months: set[tuple[int, int]] = set()
        for index, item in enumerate(items):
            number = int(item.slug.rsplit("-", 1)[1])
            published_at = now - dt.timedelta(days=rng.uniform(0.5, 3 * 365))
            hidden = rng.random() < NOT_PUBLIC_SHARE
            if hidden and rng.random() < 0.3:
                archived.append(item.pk)
            for language in _versions(rng):
                status, moment = Status.PUBLISHED, published_at
                if hidden and item.pk not in archived:
                    status, moment = rng.choice([(Status.DRAFT, None), (Status.SCHEDULED, now + dt.timedelta(days=3))])
                title = f"{LABELS[item.kind][language]} No. {number} ({' '.join(rng.sample(TITLE_WORDS[language], 2))})"
                body = _body(rng, language, title)
                if index == 0 and language == "lv":
                    body += f"\n\n{rare_word}\n"
                translations.append(
                    ContentTranslation(
                        item=item,
                        kind=item.kind,
                        language=language,
                        title=title,
                        summary=f"{' '.join(rng.choice(TITLE_WORDS[language]) for _ in range(18)).capitalize()}.",
                        body=body,
                        status=Status.ARCHIVED if item.pk in archived else status,
                        publish_at=moment if status == Status.SCHEDULED else None,
                        published_at=moment,
                    )
                )
            if item.kind == Kind.EVENT:
                # Three years back to one year ahead, most of them in working hours, a fifth lasting several days.
                starts = (now + dt.timedelta(days=rng.uniform(-3 * 365, 365))).replace(
                    hour=rng.randint(9, 16), minute=rng.choice([0, 30]), second=0, microsecond=0
                )
                length = dt.timedelta(days=rng.randint(1, 3)) if rng.random() < 0.2 else dt.timedelta(hours=2)
                events_rows.append(
                    EventDetails(
                        item=item,
                        starts_at=starts,
                        ends_at=starts + length,
                        place=f"Demo hall No. {rng.randint(1, 40)}, Nekurienes iela {rng.randint(1, 99)}",
                        organiser=f"Demo organiser No. {rng.randint(1, 25)}",
                        category=rng.choice(EventCategory.values),
                        registration_url="https://example.org/register" if rng.random() < 0.4 else "",
                    )
                )
                if not hidden:
                    local = timezone.localtime(starts)
                    months.add((local.year, local.month))
            elif item.kind == Kind.PUBLICATION:
                publication_rows.append(
                    PublicationDetails(
                        item=item,
                        published_on=(now - dt.timedelta(days=rng.uniform(0, 10 * 365))).date(),
                        publication_type=rng.choice(PublicationType.values),
                    )
                )
        ContentTranslation.objects.bulk_create(translations, batch_size=500)
        EventDetails.objects.bulk_create(events_rows, batch_size=500)
        PublicationDetails.objects.bulk_create(publication_rows, batch_size=500)
        ContentItem.objects.filter(pk__in=archived).update(archived_at=now - dt.timedelta(days=1))
        files = 0
        for item in items:
            if item.kind != Kind.PUBLICATION:
                continue
            for language in ("", "lv")[:FILES_PER_PUBLICATION]:
                content = tiny_pdf(f"Demo publication {item.slug}", (f"Language: {language or 'all'}",))
                stored = PublicationFile(
                    item=item,
                    language=language,
                    token=secrets.token_hex(16),
                    original_name=f"{item.slug}{'-' + language if language else ''}.pdf",
                    content_type="application/pdf",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                )
                stored.file.save(stored.original_name, ContentFile(content), save=False)
                stored.save()
                files += 1
    return Generated(
        rows={
            "portal.ContentItem": len(items),
            "portal.ContentTranslation": len(translations),
            "portal.EventDetails": len(events_rows),
            "portal.PublicationDetails": len(publication_rows),
            "portal.PublicationFile": files,
        },
        news_slugs=_published_in(Kind.NEWS, "lv"),
        event_slugs=_published_in(Kind.EVENT, "lv"),
        publication_slugs=_published_in(Kind.PUBLICATION, "lv"),
        page_slugs=_published_in(Kind.PAGE, "lv"),
        months=sorted(months),
        publication_years=publication_years(language="lv"),
        search_word=TITLE_WORDS["lv"][4],
        rare_word=rare_word,
    )


def publication_years(*, language: str) -> list[int]:
    from opennrm.portal.search import publication_years as years

    return years(language=language)


def _published_in(kind: str, language: str) -> list[str]:
    from opennrm.portal.selectors import published_items

    return list(published_items(kind=kind, language=language).values_list("item__slug", flat=True))
