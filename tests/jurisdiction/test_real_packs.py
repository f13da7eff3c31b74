"""The packs shipped with OpenNRM validate, and the Latvian one has the agreed identifiers."""

from pathlib import Path

import pytest
from django.conf import settings

from opennrm.jurisdiction.loader import PackInvalid, load_pack_dir

PACKS = Path(settings.BASE_DIR) / "packs"


def load(code: str):
    folder = PACKS / code
    if not (folder / "pack.yaml").exists():
        pytest.skip(f"packs/{code} is not written yet")
    try:
        return load_pack_dir(folder)
    except PackInvalid as invalid:
        pytest.fail(f"packs/{code} is invalid:\n{invalid}")


@pytest.mark.parametrize("code", ["lv", "generic"])
def test_shipped_pack_validates(code):
    pack = load(code)
    assert pack.code == code


def test_latvian_pack_has_the_agreed_identifiers():
    pack = load("lv")
    assert pack.languages == ["lv", "en", "ru"]
    assert [s.id for s in pack.ordered_stages()] == [
        "recognition",
        "referral",
        "reflection",
        "identification",
        "assistance",
        "proceedings",
        "closure",
    ]
    types = {t.id for t in pack.institution_types}
    assert {
        "national_coordinator",
        "siva",
        "service_provider",
        "orphans_court",
        "state_police",
        "ombudsman",
    } <= types
    roles = {r.id: set(r.capabilities) for r in pack.roles}
    assert roles["national_coordinator"] == {
        "model.view_drafts",
        "model.edit",
        "model.publish",
        "directory.edit",
        "directory.edit_all",
        "audit.view",
        "audit.view_all",
        "cases.oversee",
        "stats.view",
        "coordination.manage",
        "coordination.meetings",
        "coordination.view",
    }
    # Aggregate and coordination roles never hold a capability that shows a case.
    for role in ("rapporteur", "statistician", "plan_reporter", "observer", "portal_editor", "working_group_member"):
        assert not roles[role] & {"cases.view", "cases.edit", "personal_data.view"}, role
    assert roles["case_manager"] == {"cases.view", "cases.edit", "personal_data.view"}
    assert {
        "working_group_member",
        "institution_admin",
        "frontline_worker",
        "specialist_commission_member",
        "police_officer",
        "rapporteur",
        "auditor",
        "statistician",
        "plan_reporter",
        "observer",
        "portal_editor",
    } <= set(roles)
    assert len(pack.municipalities) == 43
    assert {"riga", "cesis", "varaklani", "ventspils_municipality"} <= {m.id for m in pack.municipalities}
