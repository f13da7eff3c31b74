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


def _all_models():
    from django.apps import apps

    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _primary_keys() -> dict:
    return {model: set(model._base_manager.values_list("pk", flat=True)) for model in _all_models()}


# The rows `build_case_world` wrote the first time, to be written again as they are: building the world through the
# services (publishing the pack, loading the directory, each with its audit events) takes a second or two per test,
# copying its rows back a fraction of that. The services themselves are tested elsewhere.
_CASE_WORLD_ROWS: list | None = None


def _world_from_database(lv_pack_content):
    from types import SimpleNamespace

    from opennrm.accounts.models import User
    from opennrm.directory.models import Institution
    from opennrm.jurisdiction.models import ModelVersion

    institutions = {i.code: i for i in Institution.objects.select_related("type")}
    world = SimpleNamespace(
        version=ModelVersion.objects.get(pack_code="lv", status=ModelVersion.Status.PUBLISHED),
        institution=lambda code: institutions[code],
        staff={},
    )
    for name in CASE_WORLD_STAFF:
        user = User.objects.get(username=name.replace("_", "."))
        setattr(world, name, user)
        world.staff[name] = user
    return world


def _restore_case_world() -> bool:
    """Write the recorded rows back; False (nothing written) if any of them would collide with this test's data."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    for model, rows in _CASE_WORLD_ROWS:
        if model._base_manager.filter(pk__in=[row["pk"] for row in rows]).exists():
            return False
    with transaction.atomic():
        # Foreign keys are checked at commit, so the order of the tables does not matter.
        for model, rows in _CASE_WORLD_ROWS:
            model._base_manager.bulk_create([model(**row["values"]) for row in rows])
        models = [model for model, _rows in _CASE_WORLD_ROWS]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    return True


def case_world_in_database(*, settings, lv_pack_content):
    """`build_case_world`, the first time through the services, later by writing the same rows back."""
    global _CASE_WORLD_ROWS
    if _CASE_WORLD_ROWS is not None and _restore_case_world():
        return _world_from_database(lv_pack_content)
    before = _primary_keys()
    world = build_case_world(settings=settings, lv_pack_content=lv_pack_content)
    if _CASE_WORLD_ROWS is None:
        recorded = []
        for model in _all_models():
            new = model._base_manager.exclude(pk__in=before[model]).order_by("pk")
            fields = [f.attname for f in model._meta.concrete_fields]
            rows = [{"pk": values[model._meta.pk.attname], "values": values} for values in new.values(*fields)]
            if rows:
                recorded.append((model, rows))
        _CASE_WORLD_ROWS = recorded
    return world


@pytest.fixture
def case_world(db, lv_pack_content, settings):
    """The world of `build_case_world`, in the test's database (rolled back after the test)."""
    return case_world_in_database(settings=settings, lv_pack_content=lv_pack_content)
