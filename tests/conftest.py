import pytest

from opennrm.audit.testing import allow_truncate_in_tests

# Django empties every table between transactional (and browser) tests with TRUNCATE, which the audit log's
# append-only trigger refuses on PostgreSQL unless the session allows it; UPDATE and DELETE stay refused.
allow_truncate_in_tests()


@pytest.fixture(autouse=True)
def data_keys(settings, tmp_path, monkeypatch):
    """Every test has its own data keys (created at its first encryption), never the developer's var/ file."""
    from opennrm.cases import crypto

    monkeypatch.delenv(crypto.ENVIRONMENT_VARIABLE, raising=False)
    crypto.reset_keyring_cache()
    settings.OPENNRM_DATA_KEYS_FILE = tmp_path / "keys" / "data_keys.json"
    yield settings.OPENNRM_DATA_KEYS_FILE
    crypto.reset_keyring_cache()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the Latvian UI has tests of its own."""
    settings.LANGUAGE_CODE = "en"
    # Argon2 is deliberately slow; tests use a fast hasher (sign-in tests still use the real mechanism).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Cases: a published Latvian model, the demo directory and a worker in each place a case travels through ---

CASE_WORLD_STAFF = {
    # name: (role, institution code in packs/lv/demo/directory.yaml)
    "social_worker": ("case_manager", "lv-social-service-riga"),
    "social_supervisor": ("supervisor", "lv-social-service-riga"),
    "border_guard": ("frontline_worker", "lv-state-border-guard"),
    "provider_worker": ("case_manager", "lv-provider-marta"),
    "provider_supervisor": ("supervisor", "lv-provider-marta"),
    "commission_member": ("specialist_commission_member", "lv-provider-marta"),
    "police_officer": ("police_officer", "lv-state-police"),
    "police_supervisor": ("supervisor", "lv-state-police"),
    "emergency_officer": ("emergency_access", "lv-state-police"),
    "siva_worker": ("case_manager", "lv-siva"),
    "orphans_court_worker": ("case_manager", "lv-orphans-court-riga"),
    "orphans_court_supervisor": ("supervisor", "lv-orphans-court-riga"),
    "inspectorate_supervisor": ("supervisor", "lv-children-rights-inspectorate"),
    "other_social_worker": ("case_manager", "lv-social-service-daugavpils"),
    "coordinator": ("national_coordinator", "lv-iem"),
    "rapporteur": ("rapporteur", "lv-iem"),
    "auditor": ("auditor", "lv-social-service-riga"),
}


@pytest.fixture(scope="session")
def lv_pack_content():
    """The Latvian pack, read and validated once per test run (reading 5,000 lines of YAML is not free)."""
    from django.conf import settings as django_settings

    from opennrm.jurisdiction.loader import load_pack_dir
    from opennrm.jurisdiction.services import _normalized

    return _normalized(load_pack_dir(django_settings.OPENNRM_PACKS_DIR / "lv"))


def build_case_world(*, settings, lv_pack_content):
    """The published Latvian model, the demo directory, and one member of staff per `CASE_WORLD_STAFF` entry.

    Returns a namespace: `world.version`, `world.institution(code)`, and each member by name (e-mail
    `<name>@example.lv`, so notifications can be seen in `mail.outbox`). A plain function, so that fixtures with
    other kinds of database access (the browser tests' transactional one) build the very same world.
    """
    from types import SimpleNamespace

    from opennrm.accounts.models import Role
    from opennrm.directory.demo import demo_directory_load
    from opennrm.directory.models import Institution
    from opennrm.jurisdiction.models import ModelVersion
    from opennrm.jurisdiction.services import content_hash, version_publish
    from tests.factories import UnitFactory, UserFactory

    draft = ModelVersion.objects.create(
        pack_code="lv",
        number=1,
        status=ModelVersion.Status.DRAFT,
        content=lv_pack_content,
        content_hash=content_hash(lv_pack_content),
        source="packs/lv",
    )
    version = version_publish(version=draft, change_note="Test version.", by=None)
    demo_directory_load(path=settings.OPENNRM_PACKS_DIR / "lv" / "demo" / "directory.yaml")
    institutions = {i.code: i for i in Institution.objects.select_related("type")}
    world = SimpleNamespace(version=version, institution=lambda code: institutions[code], staff={})
    for name, (role_code, institution_code) in CASE_WORLD_STAFF.items():
        institution = institutions[institution_code]
        unit = institution.units.first() or UnitFactory(institution=institution)
        user = UserFactory(
            username=name.replace("_", "."),
            email=f"{name}@example.lv",
            unit=unit,
            roles=[Role.objects.get(code=role_code)],
        )
        setattr(world, name, user)
        world.staff[name] = user
    return world


@pytest.fixture
def case_world(db, lv_pack_content, settings):
    """The world of `build_case_world`, in the test's database (rolled back after the test)."""
    return build_case_world(settings=settings, lv_pack_content=lv_pack_content)
