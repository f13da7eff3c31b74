"""A small, obviously fake published model with indicator sets, and a directory for "who to call", for the
screening web tool, API and service tests. Import the fixtures into a test module to use them.

Sets (all test text): adult labour and adult sexual (general; they share every question through `concept`), child
labour (general), a sham-marriage context set (any population) and a forced-return context set (any population).
"""

import copy

import pytest
from django.conf import settings

from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash
from tests.directory.conftest import pack_content
from tests.factories import (
    ContactPointFactory,
    InstitutionFactory,
    InstitutionTypeFactory,
    MunicipalityFactory,
    RoleFactory,
    UnitFactory,
    UserFactory,
    names,
)
from tests.screening.fixtures import adult_set, child_set

CONTEXT_PRESENT = [{"strong": 1, "medium": 0, "weak": 0, "medium_or_weak": 0}]


def _text(english: str) -> dict:
    return {"lv": f"[lv] {english}", "en": english, "ru": f"[ru] {english}"}


def _context_set(set_id: str, context: str, forms: list[str], prefix: str) -> dict:
    """A two-dimension context set: indicative when both the situation and the control are present."""
    return {
        "id": set_id,
        "title": _text(f"Context: {set_id.replace('_', ' ')} (test)"),
        "help": _text("A test context set."),
        "population": "any",
        "forms": forms,
        "context": context,
        "source": "Test source",
        "dimensions": [
            {"id": "deceptive_recruitment", "name": _text("Deceptive recruitment")},
            {"id": "coercion_at_destination", "name": _text("Coercion at destination")},
        ],
        "rule": {
            "present": copy.deepcopy(CONTEXT_PRESENT),
            "indicative": [["deceptive_recruitment"], ["coercion_at_destination"]],
        },
        "indicators": [
            {
                "id": f"{prefix}_promised_visa",
                "dimension": "deceptive_recruitment",
                "strength": "strong",
                "question": _text(f"Was the person promised papers in exchange ({prefix})?"),
                "help": _text("Think of what the person or others told you."),
                "concept": None,
                "source": "Test source",
            },
            {
                "id": f"{prefix}_controlled",
                "dimension": "coercion_at_destination",
                "strength": "strong",
                "question": _text(f"Is someone else controlling the person ({prefix})?"),
                "help": None,
                "concept": None,
                "source": "Test source",
            },
        ],
    }


def screening_sets() -> list[dict]:
    sexual = adult_set()
    sexual["id"] = "test_adult_sexual"
    sexual["forms"] = ["sexual"]
    sexual["title"] = _text("Adults: sexual exploitation (test)")
    for indicator in sexual["indicators"]:
        indicator["id"] = indicator["id"].replace("tal_", "tas_")
    return [
        adult_set(),
        sexual,
        child_set(),
        _context_set("test_sham_marriage", "sham_marriage", ["sham_marriage"], "sm"),
        _context_set("test_forced_return", "forced_return", ["labour", "sexual", "other"], "fr"),
    ]


def screening_pack_content() -> dict:
    content = pack_content()
    content["indicator_sets"] = screening_sets()
    return content


@pytest.fixture
def screening_model(db):
    content = screening_pack_content()
    return ModelVersion.objects.create(
        pack_code=settings.OPENNRM_PACK,
        number=1,
        status=ModelVersion.Status.PUBLISHED,
        content=content,
        content_hash=content_hash(content),
    )


@pytest.fixture
def screening_world(screening_model):
    """Municipalities alpha and beta; a social service and an orphan's court in alpha; national police."""
    types = {t["id"]: InstitutionTypeFactory(code=t["id"]) for t in screening_model.content["institution_types"]}
    alpha = MunicipalityFactory(code="alpha")
    MunicipalityFactory(code="beta")
    social = InstitutionFactory(code="ss-alpha", type=types["social_service"], scope="municipal", municipality=alpha)
    court = InstitutionFactory(code="oc-alpha", type=types["orphans_court"], scope="municipal", municipality=alpha)
    police = InstitutionFactory(code="police", type=types["police"], scope="national")
    border = InstitutionFactory(code="border", type=types["border_guard"], scope="national")
    for institution in (social, court, police, border):
        UnitFactory(institution=institution)
    ContactPointFactory(institution=social, labels=names("Alpha social reception"), phone="+371 20000101")
    ContactPointFactory(institution=border, labels=names("Border guard duty line"), phone="+371 20000102")
    return {"types": types, "alpha": alpha, "social": social, "court": court, "police": police, "border": border}


@pytest.fixture
def social_worker(screening_world):
    """Staff of the Alpha social service holding a role with no particular capability."""
    role = RoleFactory(code="social_worker", capabilities=[])
    return UserFactory(unit=screening_world["social"].units.get(), roles=[role])


@pytest.fixture
def police_officer(screening_world):
    """Staff of a national institution (no municipality), with another role."""
    role = RoleFactory(code="police_officer", capabilities=["stats.view"])
    return UserFactory(unit=screening_world["police"].units.get(), roles=[role])
