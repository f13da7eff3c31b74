"""Site search over published content in one language: case and Latvian diacritics ignored on every database."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from opennrm.portal import search
from opennrm.portal.models import ContentTranslation, Kind, Status
from tests.portal.conftest import make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


@pytest.fixture
def header_ready(db):
    """The header's emergency numbers are read once per cache period (portal-help's); count the page's own queries."""
    from opennrm.portal.help_finder import header_numbers

    header_numbers()


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Cilvēku TIRDZNIECĪBA", "cilveku tirdznieciba"), ("ĢĶĻŅŠŪŽČĀ", "gklnsuzca"), ("Ёлка ТОРГОВЛЯ", "елка торговля")],
)
def test_fold(text, folded):
    assert search.fold(text) == folded


@pytest.mark.parametrize(
    ("term", "pattern"),
    [
        ("cilvēku", "[cč][iī][lļ]v[eē][kķ][uū]"),
        ("ёлка", "[её]лка"),
        ("c++", r"[cč]\+\+"),
        ("a.b", r"[aā]\.b"),
        ("2024", "2024"),
    ],
)
def test_term_pattern_accepts_marked_letters_and_keeps_the_rest_literal(term, pattern):
    assert search.term_pattern(term) == pattern


def test_search_terms_skip_short_words_and_repeats_and_keep_eight():
    assert search.search_terms("a  Cilvēku, cilveku (tirdzniecība)!") == ["cilveku", "tirdznieciba"]
    assert len(search.search_terms(" ".join(f"word{n}" for n in range(20)))) == search.MAX_TERMS
    assert search.search_terms("a b ,") == []


@pytest.fixture
def texts(portal_content):
    now = portal_content.now
    make_content(
        kind=Kind.NEWS,
        slug="latvian-words",
        versions={"lv": (Status.PUBLISHED, now)},
        title="Cilvēku tirdzniecības novēršana",
    )
    make_content(
        kind=Kind.NEWS,
        slug="russian-words",
        versions={"ru": (Status.PUBLISHED, now)},
        title="Торговля людьми: новые рекомендации",
    )
    make_content(
        kind=Kind.EVENT,
        slug="seminar",
        versions={"lv": (Status.PUBLISHED, now)},
        title="Seminārs pašvaldībām",
        event={"starts_at": now},
    )
    return portal_content


def titles(rows) -> list[str]:
    return [row.title for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("lv", "tirdzniecības", ["Cilvēku tirdzniecības novēršana (lv)"]),
        ("lv", "TIRDZNIECIBAS noversana", ["Cilvēku tirdzniecības novēršana (lv)"]),
        ("lv", "ĒKU", ["Cilvēku tirdzniecības novēršana (lv)"]),
        ("ru", "торговля", ["Торговля людьми: новые рекомендации (ru)"]),
        ("ru", "ТОРГОВЛЯ ЛЮДЬМИ", ["Торговля людьми: новые рекомендации (ru)"]),
        ("en", "tirdzniecības", []),  # other languages' content is not searched
        ("lv", "seminars pasvaldibam", ["Seminārs pašvaldībām (lv)"]),
        ("lv", "tirdzniecības seminārs", []),  # every word must occur
        ("lv", "100%", []),
        ("lv", "a_b", []),
        ("lv", "c++ x[y (.*)", []),  # characters a regular expression would read are plain characters here
    ],
)
def test_site_search_matches_every_word_ignoring_case_and_diacritics(texts, language, query, expected):
    assert titles(search.site_search(query=query, language=language)) == expected


@pytest.mark.django_db
def test_site_search_covers_every_kind_but_only_what_is_published(texts):
    found = titles(search.site_search(query="summary", language="en"))
    assert set(found) == {"All languages (en)", "Past event (en)", "General Model (en)", "About (en)"}
    assert not titles(search.site_search(query="draft news", language="en"))
    assert not titles(search.site_search(query="archived", language="en"))


@pytest.mark.django_db
def test_site_search_reads_the_text_and_ranks_title_matches_first(texts):
    from opennrm.portal.models import ContentTranslation

    # Published after the "About" page, so by date alone it would come first.
    newer = make_content(
        kind=Kind.PAGE, slug="mentions-it", versions={"en": (Status.PUBLISHED, texts.now)}, title="Something else"
    )
    ContentTranslation.objects.filter(item=newer).update(body="All *about* the model, in the text only.")
    assert titles(search.site_search(query="about", language="en")) == ["About (en)", "Something else (en)"]


@pytest.mark.django_db
def test_search_page_lists_results_with_their_kind(client, texts):
    response = client.get("/lv/search/", {"q": "tirdzniecibas"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/lv/news/latvian-words/"' in page
    assert "1 rezultāts" in page or "1 result" in page
    seminar = client.get("/lv/search/", {"q": "seminārs"}).content.decode()
    assert 'href="/lv/event/seminar/"' in seminar


@pytest.mark.django_db
def test_search_page_without_a_query_shows_the_form(client, texts):
    response = client.get("/en/search/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="q"' in page and "result-count" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["a", "x" * 201])
def test_search_page_refuses_a_query_it_cannot_use(client, texts, query):
    response = client.get("/en/search/", {"q": query})
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page and "Search for:" in page


@pytest.mark.django_db
def test_search_page_keeps_its_queries_few(header_ready, client, texts, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get("/en/search/", {"q": "summary"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes exist on PostgreSQL only")
def test_the_search_patterns_can_be_answered_from_the_trigram_indexes(portal_content):
    """On PostgreSQL each searched column has a pg_trgm GIN index that answers its patterns (migration 0002)."""
    pattern = search.term_pattern("zīmulis")
    for column in ("title", "summary", "body"):
        query = ContentTranslation.objects.filter(**{f"{column}__iregex": pattern}).values("pk")
        with transaction.atomic(), connection.cursor() as cursor:
            # With a handful of rows the planner would rather read the table (or a whole other index) than look a
            # pattern up: ask what it does when only looking up by condition is left.
            for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
            plan = query.explain()
        assert f"portal_tr_{column}_trgm" in plan, plan
