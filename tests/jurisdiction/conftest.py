"""Fixtures for the jurisdiction core: the small fictional pack in packs/minimal and users by capability."""

import shutil
from pathlib import Path

import pytest

from opennrm.core.capabilities import Capability
from opennrm.jurisdiction.services import draft_create, pack_load, version_publish
from tests.factories import RoleFactory, UserFactory

MINIMAL_PACK = Path(__file__).parent / "packs" / "minimal"
PACK_CODE = "test"


def edit_file(folder: Path, name: str, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) by `new` in one file of a pack folder."""
    file = folder / name
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    file.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def pack_dir(tmp_path) -> Path:
    """A private copy of the minimal pack, for a test to break."""
    folder = tmp_path / "pack"
    shutil.copytree(MINIMAL_PACK, folder)
    return folder


def user_with(*capabilities: Capability, code: str):
    return UserFactory(roles=[RoleFactory(code=code, capabilities=[c.value for c in capabilities])])


@pytest.fixture
def coordinator(db):
    return user_with(
        Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT, Capability.MODEL_PUBLISH, code="test_coordinator"
    )


@pytest.fixture
def editor(db):
    """May edit drafts but not publish them (a working-group secretary, say)."""
    return user_with(Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT, code="test_editor")


@pytest.fixture
def draft_reader(db):
    return user_with(Capability.MODEL_VIEW_DRAFTS, code="test_draft_reader")


@pytest.fixture
def outsider(db):
    return user_with(Capability.CASES_VIEW, code="test_outsider")


@pytest.fixture
def published_version(db):
    """Version 1 of pack 'test', published from the command line (as `opennrm setup` does)."""
    return version_publish(version=pack_load(path=MINIMAL_PACK), change_note="First version.", by=None)


@pytest.fixture
def draft_version(published_version, coordinator):
    """Version 2: a draft copied from the published version 1."""
    return draft_create(pack_code=PACK_CODE, by=coordinator)
