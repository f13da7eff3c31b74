"""Who sees which versions: published and superseded for everyone, drafts only with model.view_drafts."""

import pytest
from django.contrib.auth.models import AnonymousUser

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.jurisdiction.selectors import (
    access_version,
    version_draft,
    version_pack,
    version_published,
    versions_visible_to,
)
from opennrm.jurisdiction.services import draft_matrix_entry_remove
from tests.jurisdiction.conftest import PACK_CODE

pytestmark = pytest.mark.django_db


def test_published_and_draft_default_to_the_installation_pack(settings, draft_version):
    settings.OPENNRM_PACK = PACK_CODE
    assert version_published().number == 1
    assert version_draft().number == 2
    settings.OPENNRM_PACK = "elsewhere"
    assert version_published() is None and version_draft() is None
    assert version_published(pack_code=PACK_CODE).number == 1


@pytest.mark.parametrize(
    ("who", "numbers"),
    [("anonymous", [1]), ("outsider", [1]), ("draft_reader", [2, 1]), ("coordinator", [2, 1])],
)
def test_drafts_are_visible_only_with_view_drafts(request, draft_version, who, numbers):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    assert [v.number for v in versions_visible_to(user=user, pack_code=PACK_CODE)] == numbers


def test_access_version_answers_missing_and_hidden_the_same(draft_version, outsider, draft_reader):
    assert access_version(user=outsider, pack_code=PACK_CODE, number=1).number == 1
    assert access_version(user=draft_reader, pack_code=PACK_CODE, number=2).number == 2
    for number in (2, 99):
        with pytest.raises(NotFoundOrForbidden) as caught:
            access_version(user=outsider, pack_code=PACK_CODE, number=number)
        assert caught.value.message == "Not found."


def test_version_pack_follows_edits(draft_version, coordinator):
    pack = version_pack(draft_version)
    assert pack is version_pack(draft_version)  # cached
    assert pack.matrix_entry("police", "recognition") is not None
    edited = draft_matrix_entry_remove(
        version=draft_version, institution_type="police", stage="recognition", by=coordinator
    )
    assert version_pack(edited).matrix_entry("police", "recognition") is None
