"""What the public sees (the selectors the public pages read) and the editor's list, on the shared portal world."""

import datetime as dt

import pytest
from django.utils import timezone

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.portal import selectors, services
from opennrm.portal.models import ContentTranslation, Status
from tests.factories import RoleFactory, UserFactory
from tests.portal.conftest import make_content


def slugs(translations) -> list[str]:
    return [translation.item.slug for translation in translations]


def test_published_items_are_the_visible_versions_newest_first(portal_content):
    assert slugs(selectors.published_items(kind="news", language="lv")) == ["latvian-only", "all-languages"]
    assert slugs(selectors.published_items(kind="news", language="en")) == ["all-languages"]
    # The Russian version of "scheduled-news" was scheduled for an hour ago: it is public without anything having run.
    assert slugs(selectors.published_items(kind="news", language="ru")) == ["scheduled-news", "all-languages"]


def test_drafts_future_schedules_and_archived_items_stay_hidden(portal_content):
    visible = {
        t.item.slug
        for language in ("lv", "en", "ru")
        for t in selectors.published_items(kind="news", language=language)
    }
    assert "draft-news" not in visible
    assert "archived-news" not in visible
    assert selectors.published_item(kind="news", slug="scheduled-news", language="lv") is None


def test_the_clock_can_be_given(portal_content):
    tomorrow = portal_content.now + dt.timedelta(days=1, minutes=1)
    assert "scheduled-news" in slugs(selectors.published_items(kind="news", language="lv", now=tomorrow))
    long_ago = portal_content.now - dt.timedelta(days=365)
    assert list(selectors.published_items(kind="news", language="lv", now=long_ago)) == []


def test_published_items_come_with_their_details_in_one_query(portal_content, django_assert_num_queries):
    with django_assert_num_queries(1):
        events = list(selectors.published_items(kind="event", language="lv"))
        places = [translation.item.event.place for translation in events]
    assert "Demo centre" in places
    with django_assert_num_queries(1):
        publications = list(selectors.published_items(kind="publication", language="en"))
        assert publications[0].item.publication.publication_type == "model"


def test_published_item_by_address_and_language(portal_content):
    found = selectors.published_item(kind="news", slug="all-languages", language="ru")
    assert (found.language, found.item.pk) == ("ru", portal_content.news_all.pk)
    assert selectors.published_item(kind="news", slug="latvian-only", language="en") is None
    assert selectors.published_item(kind="event", slug="all-languages", language="lv") is None
    assert selectors.published_item(kind="news", slug="no-such-item", language="lv") is None


def test_the_languages_an_item_can_be_read_in(portal_content):
    assert selectors.item_languages(portal_content.news_all) == ["lv", "en", "ru"]
    assert selectors.item_languages(portal_content.event_upcoming) == ["lv", "ru"]
    assert selectors.item_languages(portal_content.news_scheduled) == ["ru"]
    assert selectors.item_languages(portal_content.news_draft) == []
    assert selectors.item_languages(portal_content.news_archived) == []
    assert selectors.published_item_languages(kind="news", slug="latvian-only") == ["lv"]
    assert selectors.published_item_languages(kind="news", slug="draft-news") == []


def test_a_publication_has_its_language_files_and_the_common_ones(portal_content):
    item = portal_content.publication
    latvian = [f.original_name for f in selectors.published_files(item=item, language="lv")]
    english = [f.original_name for f in selectors.published_files(item=item, language="en")]
    assert latvian == ["general-model.pdf", "visparejais-modelis.docx"]
    assert english == ["general-model.pdf"]


def test_a_file_is_downloadable_only_while_its_publication_is_public(portal_content, portal_editor):
    pdf, docx = portal_content.publication_pdf, portal_content.publication_docx
    assert selectors.published_file(token=pdf.token) == pdf
    assert selectors.published_file(token=docx.token) == docx
    latvian = portal_content.publication.translations.get(language="lv")
    services.translation_return_to_draft(by=portal_editor, translation=latvian)
    # The Latvian file goes with the Latvian version; the common one stays while other languages are public.
    assert selectors.published_file(token=docx.token) is None
    assert selectors.published_file(token=pdf.token) == pdf
    services.item_archive(by=portal_editor, item=portal_content.publication)
    assert selectors.published_file(token=pdf.token) is None
    assert selectors.published_file(token="no-such-token") is None


def test_last_modified_follows_what_the_public_sees(portal_content, portal_editor):
    before = selectors.last_modified(kind="news", language="en")
    assert before is not None
    assert selectors.last_modified(kind="news", language="en") == before
    draft = portal_content.news_draft.translations.get(language="en")
    services.translation_save(by=portal_editor, item=portal_content.news_draft, language="en", title="Still a draft")
    assert selectors.last_modified(kind="news", language="en") == before  # a draft changes nothing public
    services.translation_publish(by=portal_editor, translation=draft)
    after = selectors.last_modified(kind="news", language="en")
    assert after > before
    assert selectors.last_modified(language="en") >= after


def test_last_modified_is_none_without_public_content(db):
    assert selectors.last_modified(language="lv") is None


def test_last_modified_never_lies_in_the_future(portal_content):
    ContentTranslation.objects.filter(language="lv").update(updated_at=timezone.now() + dt.timedelta(days=3))
    now = timezone.now()
    assert selectors.last_modified(language="lv", now=now) == now


# --- The editor's list -----------------------------------------------------------------------------------------------


def test_the_editor_list_shows_every_language_and_what_is_missing(portal_content, portal_editor):
    rows = {row.item.slug: row for row in selectors.editor_items(user=portal_editor)}
    assert "archived-news" not in rows
    latvian_only = rows["latvian-only"]
    assert [state.status for state in latvian_only.languages] == [Status.PUBLISHED, "", ""]
    assert latvian_only.missing_languages == ["en", "ru"]
    assert rows["all-languages"].missing_languages == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "event"}, {"upcoming-event", "next-month", "past-event"}),
        ({"status": "draft"}, {"draft-news"}),
        ({"status": "scheduled", "language": "lv"}, {"scheduled-news"}),
        ({"status": "scheduled", "language": "en"}, set()),
        ({"missing": "en"}, {"latvian-only", "scheduled-news", "upcoming-event", "next-month"}),
        ({"kind": "news", "language": "en"}, {"all-languages", "draft-news"}),
        ({"status": "archived"}, {"archived-news"}),
    ],
)
def test_the_editor_list_filters(portal_content, portal_editor, filters, expected):
    assert {row.item.slug for row in selectors.editor_items(user=portal_editor, **filters)} == expected


def test_the_editor_list_costs_the_same_whatever_its_length(portal_content, portal_editor, django_assert_num_queries):
    editor = UserFactory(roles=[RoleFactory(capabilities=["portal.edit"])])
    for number in range(5):
        make_content(
            kind="page", slug=f"extra-{number}", versions={"lv": (Status.DRAFT, None), "ru": (Status.DRAFT, None)}
        )
    # The editor's roles (for the capability check), then the items, then their versions.
    with django_assert_num_queries(3):
        rows = selectors.editor_items(user=editor)
        assert (
            len([state for row in rows for state in row.languages]) == 3 * len(rows) == 3 * 14
        )  # 15 items, one archived


def test_the_editor_selectors_refuse_others(portal_content):
    staff = UserFactory(roles=[RoleFactory(capabilities=["stats.view"])])
    with pytest.raises(NotFoundOrForbidden):
        selectors.editor_items(user=staff)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_item(user=staff, item_id=portal_content.news_all.pk)


def test_access_translation_is_none_for_a_language_not_written(portal_content, portal_editor):
    item = portal_content.news_lv
    assert selectors.access_translation(user=portal_editor, item_id=item.pk, language="en") is None
    assert selectors.access_translation(user=portal_editor, item_id=item.pk, language="lv").title.startswith("Latvian")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_translation(user=portal_editor, item_id=item.pk, language="de")
