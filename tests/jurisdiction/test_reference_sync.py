"""Publishing the installation's pack makes its reference data current: disabled, never deleted."""

import copy

import pytest

from opennrm.accounts.models import Role
from opennrm.directory.models import InstitutionType, Municipality
from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.reference_sync import reference_data_sync
from opennrm.jurisdiction.schema import Pack
from opennrm.jurisdiction.services import draft_create, pack_load, version_publish
from tests.factories import InstitutionFactory, RoleFactory, UnitFactory, UserFactory
from tests.jurisdiction.conftest import MINIMAL_PACK, PACK_CODE, edit_file

pytestmark = pytest.mark.django_db


def active(model) -> dict[str, bool]:
    return dict(model.objects.values_list("code", "is_active"))


def test_sync_creates_rows_from_the_pack():
    pack = load_pack_dir(MINIMAL_PACK)
    counts = reference_data_sync(pack=pack)
    assert counts["institution_types"] == {"created": 3, "updated": 0, "disabled": 0}
    assert InstitutionType.objects.get(code="police").names["en"] == "Police"
    assert Municipality.objects.get(code="testtown").kind == "state_city"
    worker = Role.objects.get(code="case_worker")
    assert worker.capabilities == ["cases.view", "cases.edit"]
    assert worker.institution_types == ["social_service", "provider"]
    assert worker.requires_two_factor
    # Running again with the same pack changes nothing.
    assert reference_data_sync(pack=pack)["roles"] == {"created": 0, "updated": 0, "disabled": 0}


def test_rows_that_leave_the_pack_are_disabled_and_come_back():
    pack = load_pack_dir(MINIMAL_PACK)
    reference_data_sync(pack=pack)
    police = InstitutionType.objects.get(code="police")
    institution = InstitutionFactory(type=police)
    social_service = InstitutionType.objects.get(code="social_service")
    user = UserFactory(
        unit=UnitFactory(institution=InstitutionFactory(type=social_service)),
        roles=[Role.objects.get(code="case_worker")],
    )
    content = pack.model_dump(mode="json")
    smaller = copy.deepcopy(content)
    smaller["institution_types"] = [t for t in smaller["institution_types"] if t["id"] != "police"]
    smaller["roles"] = [r for r in smaller["roles"] if r["id"] != "case_worker"]
    smaller["municipalities"] = []
    reference_data_sync(pack=Pack.model_validate(smaller))
    assert active(InstitutionType)["police"] is False
    assert active(Role)["case_worker"] is False
    assert set(active(Municipality).values()) == {False}
    institution.refresh_from_db()
    assert institution.type_id == police.pk  # still there, still pointing at its type
    assert not user.has_capability("cases.view")
    reference_data_sync(pack=pack)
    assert InstitutionType.objects.get(code="police").pk == police.pk and active(InstitutionType)["police"]
    assert user.has_capability("cases.view")


def test_publish_syncs_only_the_installations_pack(settings, pack_dir):
    stranger = RoleFactory(code="stranger_role")
    settings.OPENNRM_PACK = "lv"
    version_publish(version=pack_load(path=MINIMAL_PACK), change_note="Elsewhere.", by=None)
    assert not InstitutionType.objects.filter(code="police").exists()

    settings.OPENNRM_PACK = PACK_CODE
    edit_file(pack_dir, "municipalities.yaml", "Testtown", "Test City")
    version_publish(version=pack_load(path=pack_dir), change_note="Here.", by=None)
    assert Municipality.objects.get(code="testtown").names["en"] == "Test City"
    assert active(Role) == {"coordinator": True, "case_worker": True, "stranger_role": False}
    stranger.refresh_from_db()
    assert stranger.pk is not None

    # A draft copied from the published version and published again keeps the rows as they are.
    version_publish(version=draft_create(pack_code=PACK_CODE, by=None), change_note="Same.", by=None)
    assert active(InstitutionType) == {"social_service": True, "police": True, "provider": True}
