"""Fixtures for the model's pages, editor, diagram and API: a tiny, obviously fictional model and the users
standing on each rung of the permission ladder. Test modules import the fixtures they use from here."""

import copy

import pytest
from django.utils import timezone

from opennrm.core.capabilities import Capability
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import Pack
from opennrm.jurisdiction.services import content_hash
from tests.factories import RoleFactory, UserFactory

PACK_CODE = "testland"


def t(lv: str, en: str, ru: str) -> dict[str, str]:
    return {"lv": lv, "en": en, "ru": ru}


PACK_CONTENT = {
    "pack": {
        "id": PACK_CODE,
        "name": t("Testzemes modelis", "Testland model", "Модель Тестленда"),
        "country": None,
        "languages": ["lv", "en", "ru"],
        "description": t("Izdomāts modelis.", "A made-up model for tests.", "Выдуманная модель."),
        "edition": "Test edition 2026",
    },
    "legal_bases": [
        {
            "id": "test_law",
            "title": t("Testa likums", "Test Law", "Тестовый закон"),
            "citation": "Test Law of 1 January 2000",
            "url": "https://example.lv/test-law",
        },
        {
            "id": "test_rule",
            "title": t("Testa noteikumi", "Test Rule", "Тестовое правило"),
            "citation": "Test Rule No. 1",
        },
    ],
    "stages": [
        {
            "id": "recognition",
            "name": t("Atpazīšana", "Recognition", "Распознавание"),
            "description": t("Pazīmes pamana.", "Someone notices the signs.", "Замечают признаки."),
        },
        {
            "id": "referral",
            "name": t("Nosūtīšana", "Referral", "Направление"),
            "description": t("Nosūta tālāk.", "The case is referred.", "Дело направляют."),
        },
        {
            "id": "assistance",
            "name": t("Palīdzība", "Assistance", "Помощь"),
            "description": t("Sniedz palīdzību.", "Help is given.", "Оказывают помощь."),
        },
    ],
    "functions": [
        {
            "id": "recognise",
            "name": t("Atpazīt", "Recognise", "Распознать"),
            "description": t("Atpazīt.", "Recognise a victim.", "Распознать."),
        },
        {
            "id": "refer",
            "name": t("Nosūtīt", "Refer", "Направить"),
            "description": t("Nosūtīt.", "Refer a victim.", "Направить."),
        },
        {
            "id": "assist",
            "name": t("Palīdzēt", "Assist", "Помочь"),
            "description": t("Palīdzēt.", "Assist a victim.", "Помочь."),
        },
    ],
    "institution_types": [
        {
            "id": "social_service",
            "name": t("Sociālais dienests", "Social service", "Социальная служба"),
            "description": t("Pašvaldības dienests.", "The municipal social service.", "Муниципальная служба."),
            "level": "municipal",
            "category": "first_contact",
            "contacts": [
                {
                    "label": t("Dežurants", "Duty officer", "Дежурный"),
                    "phone": "+371 20000000",
                    "email": "duty@example.lv",
                }
            ],
        },
        {
            "id": "police",
            "name": t("Policija & <robeža>", "Police & <Border> guard", "Полиция & <граница>"),
            "description": t("Policija.", "The police.", "Полиция."),
            "level": "national",
            "category": "law_enforcement",
        },
        {
            "id": "provider",
            "name": t("Sniedzējs", "Service provider", "Поставщик"),
            "description": t("Sniedzējs.", "A shelter under state contract.", "Приют."),
            "level": "national",
            "category": "service_provider",
        },
    ],
    "matrix": [
        {
            "institution_type": "social_service",
            "stage": "recognition",
            "functions": ["recognise"],
            "description": t("Pamana pazīmes.", "Notices indicators.", "Замечает признаки."),
            "legal_basis": ["test_law"],
        },
        {
            "institution_type": "social_service",
            "stage": "referral",
            "functions": ["refer"],
            "description": t("Nosūta.", "Refers to a provider.", "Направляет."),
            "legal_basis": [],
        },
        {
            "institution_type": "police",
            "stage": "recognition",
            "functions": ["recognise", "refer"],
            "description": t("Pamana un nosūta.", "Notices and refers.", "Замечает и направляет."),
            "legal_basis": ["test_law"],
        },
        {
            "institution_type": "provider",
            "stage": "assistance",
            "functions": ["assist"],
            "description": t("Palīdz.", "Provides shelter.", "Помогает."),
            "legal_basis": ["test_rule"],
            "applies_to": {"population": ["child"], "nationality": ["third_country_national"]},
        },
    ],
    "roles": [
        {
            "id": "coordinator",
            "name": t("Koordinators", "Coordinator", "Координатор"),
            "description": t("Koordinē.", "Coordinates.", "Координирует."),
            "capabilities": ["model.view_drafts", "model.edit", "model.publish"],
        },
    ],
}


def make_version(
    *, number: int, status: str, content: dict | None = None, change_note: str = "", based_on=None
) -> ModelVersion:
    # Stored the way the services store content: validated, with defaults filled in.
    content = Pack.model_validate(copy.deepcopy(content or PACK_CONTENT)).model_dump(mode="json")
    published = status != ModelVersion.Status.DRAFT
    return ModelVersion.objects.create(
        pack_code=PACK_CODE,
        number=number,
        status=status,
        content=content,
        content_hash=content_hash(content),
        source="tests",
        change_note=change_note,
        based_on=based_on,
        published_at=timezone.now() if published else None,
    )


def edited_content() -> dict:
    content = copy.deepcopy(PACK_CONTENT)
    content["matrix"][0]["description"]["en"] = "Notices indicators and asks questions."
    return content


@pytest.fixture
def testland(settings):
    settings.OPENNRM_PACK = PACK_CODE
    return PACK_CODE


@pytest.fixture
def published(db, testland):
    return make_version(number=1, status=ModelVersion.Status.PUBLISHED, change_note="First test edition.")


@pytest.fixture
def draft(published):
    return make_version(number=2, status=ModelVersion.Status.DRAFT, content=edited_content(), based_on=published)


def _user(*capabilities: str):
    role = RoleFactory(capabilities=list(capabilities))
    return UserFactory(roles=[role])


@pytest.fixture
def plain_user(db):
    """Signed in, but holding no capability concerning the model (e.g. the rapporteur).

    Deliberately without personal-data capabilities, which would send every request to two-factor set-up."""
    return _user(Capability.STATS_VIEW)


@pytest.fixture
def workgroup_user(db):
    return _user(Capability.MODEL_VIEW_DRAFTS)


@pytest.fixture
def editor_user(db):
    """May edit the draft but not publish it."""
    return _user(Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT)


@pytest.fixture
def coordinator_user(db):
    return _user(Capability.MODEL_VIEW_DRAFTS, Capability.MODEL_EDIT, Capability.MODEL_PUBLISH)
