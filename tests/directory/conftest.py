"""A small, obviously fake world for the directory tests, independent of the real Latvian pack.

Three municipalities (alpha, beta, gamma); a published model with three stages and a few institution types;
institutions of every scope, each with public and sometimes professionals-only contact points.
"""

import pytest
from django.conf import settings

from opennrm.directory.models import ContactPoint, Institution
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash
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

LANGUAGES = ["lv", "en", "ru"]


def _item(item_id: str, **extra) -> dict:
    return {"id": item_id, "name": names(item_id.replace("_", " ").title()), **extra}


def pack_content() -> dict:
    """A minimal published pack document with the shape of docs/pack-format.md."""
    return {
        "pack": {
            "id": "test",
            "name": names("Test land"),
            "country": None,
            "languages": LANGUAGES,
            "description": names("A pack for tests"),
        },
        "legal_bases": [
            {
                "id": "social_law",
                "title": names("Social Services Test Law"),
                "citation": "Test Law No. 1 of 2001",
                "url": "https://law.example.lv/1",
            },
            {
                "id": "child_law",
                "title": names("Child Protection Test Law"),
                "citation": "Test Law No. 2 of 2002",
            },
        ],
        "stages": [
            {**_item("recognition"), "description": names("Noticing the signs")},
            {**_item("referral"), "description": names("Sending to the right help")},
            {**_item("reflection"), "description": names("Time to recover")},
        ],
        "functions": [{**_item(fid), "description": names(fid)} for fid in ("recognise", "refer", "protect", "assist")],
        "institution_types": [
            {
                **_item("social_service"),
                "description": names("d"),
                "level": "municipal",
                "category": "first_contact",
            },
            {
                **_item("orphans_court"),
                "description": names("d"),
                "level": "municipal",
                "category": "child_protection",
            },
            {
                **_item("police"),
                "description": names("d"),
                "level": "national",
                "category": "law_enforcement",
            },
            {
                **_item("border_guard"),
                "description": names("d"),
                "level": "national",
                "category": "law_enforcement",
            },
            {**_item("regional_office"), "description": names("d"), "level": "regional", "category": "other"},
            {
                **_item("court"),
                "description": names("d"),
                "level": "national",
                "category": "other",
                "contacts": [{"label": names("Court information line"), "phone": "+371 20000999"}],
            },
        ],
        "matrix": [
            {
                "institution_type": "police",
                "stage": "referral",
                "functions": ["refer"],
                "description": names("Police receive the referral"),
                "legal_basis": [],
            },
            {
                "institution_type": "social_service",
                "stage": "referral",
                "functions": ["refer", "assist"],
                "description": names("Social service refers the person"),
                "legal_basis": ["social_law"],
            },
            {
                "institution_type": "orphans_court",
                "stage": "referral",
                "functions": ["protect"],
                "description": names("Orphans court protects the child"),
                "legal_basis": ["child_law"],
                "applies_to": {"population": ["child"]},
            },
            {
                "institution_type": "border_guard",
                "stage": "referral",
                "functions": ["refer"],
                "description": names("Border guard refers foreigners"),
                "legal_basis": [],
                "applies_to": {"nationality": ["third_country_national"]},
            },
            {
                "institution_type": "regional_office",
                "stage": "referral",
                "functions": ["assist"],
                "description": names("Regional office assists"),
                "legal_basis": [],
            },
            {
                "institution_type": "court",
                "stage": "referral",
                "functions": ["protect"],
                "description": names("Court decides"),
                "legal_basis": [],
            },
            {
                "institution_type": "social_service",
                "stage": "recognition",
                "functions": ["recognise"],
                "description": names("Social service notices"),
                "legal_basis": [],
            },
        ],
        "roles": [],
        "municipalities": [
            {"id": code, "name": names(code.title()), "kind": "municipality"} for code in ("alpha", "beta", "gamma")
        ],
        "workflow": {},
        "indicator_sets": [],
        "statistics": {},
    }


@pytest.fixture
def published(db):
    return ModelVersion.objects.create(
        pack_code=settings.OPENNRM_PACK,
        number=1,
        status=ModelVersion.Status.PUBLISHED,
        content=pack_content(),
        # The real hash: parsed packs are cached by (version, hash), so a shared fake hash could alias them.
        content_hash=content_hash(pack_content()),
    )


@pytest.fixture
def world(published):
    """Reference rows as publishing would sync them, and a few institutions of every scope."""
    types = {t["id"]: InstitutionTypeFactory(code=t["id"]) for t in published.content["institution_types"]}
    places = {code: MunicipalityFactory(code=code) for code in ("alpha", "beta", "gamma")}

    def institution(code, type_code, scope, municipality=None, area=()):
        made = InstitutionFactory(code=code, type=types[type_code], scope=scope, municipality=places.get(municipality))
        made.service_area.set([places[p] for p in area])
        UnitFactory(institution=made)
        return made

    w = {
        "types": types,
        "places": places,
        "ss_alpha": institution("ss-alpha", "social_service", "municipal", "alpha"),
        "ss_beta": institution("ss-beta", "social_service", "municipal", "beta"),
        "oc_alpha": institution("oc-alpha", "orphans_court", "municipal", "alpha"),
        "oc_beta": institution("oc-beta", "orphans_court", "municipal", "beta"),
        "police": institution("police", "police", "national"),
        "border": institution("border", "border_guard", "national"),
        "region_north": institution("region-north", "regional_office", "regional", "alpha", ("alpha", "gamma")),
        "region_south": institution("region-south", "regional_office", "regional", "beta", ("beta",)),
        "police_old": institution("police-old", "police", "national"),
    }
    Institution.objects.filter(pk=w["police_old"].pk).update(is_active=False)
    w["ss_alpha_public"] = ContactPointFactory(
        institution=w["ss_alpha"], labels=names("Alpha reception"), phone="+371 20000001", order=1
    )
    w["ss_alpha_duty"] = ContactPointFactory(
        institution=w["ss_alpha"],
        labels=names("Alpha duty officer"),
        phone="+371 20000002",
        audience=ContactPoint.Audience.PROFESSIONALS,
        order=2,
    )
    w["police_public"] = ContactPointFactory(
        institution=w["police"],
        labels=names("Police hotline"),
        phone="+371 20000003",
        is_round_the_clock=True,
    )
    w["police_duty"] = ContactPointFactory(
        institution=w["police"],
        labels=names("Police duty desk"),
        phone="+371 20000004",
        audience=ContactPoint.Audience.PROFESSIONALS,
    )
    w["police_closed"] = ContactPointFactory(
        institution=w["police"], labels=names("Police old line"), phone="+371 20000005", is_active=False
    )
    return w


@pytest.fixture
def editor_role(db):
    return RoleFactory(code="institution_admin", capabilities=["directory.edit", "users.manage"])


@pytest.fixture
def coordinator_role(db):
    return RoleFactory(
        code="national_coordinator",
        capabilities=["directory.edit", "directory.edit_all", "model.edit", "model.publish"],
    )


@pytest.fixture
def plain_role(db):
    return RoleFactory(code="rapporteur", capabilities=["stats.view"])


@pytest.fixture
def alpha_editor(world, editor_role):
    """An administrator of the Alpha social service."""
    return UserFactory(unit=world["ss_alpha"].units.get(code="main"), roles=[editor_role])


@pytest.fixture
def beta_editor(world, editor_role):
    return UserFactory(unit=world["ss_beta"].units.get(code="main"), roles=[editor_role])


@pytest.fixture
def alpha_plain(world, plain_role):
    return UserFactory(unit=world["ss_alpha"].units.get(code="main"), roles=[plain_role])


@pytest.fixture
def coordinator(world, coordinator_role):
    return UserFactory(unit=world["police"].units.get(code="main"), roles=[coordinator_role])


@pytest.fixture
def model_keeper(world):
    """Edits the model and its own institution's entry, but holds no directory.edit_all: not the whole directory."""
    role = RoleFactory(code="model_keeper", capabilities=["directory.edit", "model.edit", "model.publish"])
    return UserFactory(unit=world["police"].units.get(code="main"), roles=[role])


@pytest.fixture
def directory_keeper(world):
    """Holds only directory.edit_all (no directory.edit), from an institution without its own entry to keep."""
    role = RoleFactory(code="directory_keeper", capabilities=["directory.edit_all"])
    return UserFactory(unit=world["border"].units.get(code="main"), roles=[role])
