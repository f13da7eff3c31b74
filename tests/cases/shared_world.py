"""`case_world` built once for a whole test module instead of once per test.

Publishing the Latvian pack and loading the demo directory takes a second or two; a module with hundreds of calls
cannot pay that per test. The world is built inside a transaction that stays open while the module's tests run
(each test still rolls back its own changes to a savepoint) and is rolled back when the module is done.

A module using it defines, next to its tests:

    @pytest.fixture(scope="module")
    def case_world(django_db_setup, django_db_blocker, lv_pack_content, tmp_path_factory):
        with shared_case_world(django_db_blocker, lv_pack_content, tmp_path_factory) as world:
            yield world

    @pytest.fixture(autouse=True)
    def data_keys(case_world):
        return world_keys_file()

The second replaces tests/conftest.py's `data_keys`, which would give every test fresh keys: the shared
world's encrypted data must stay readable for the whole module.
"""

import inspect
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test.utils import override_settings

from opennrm.cases import crypto


class _ModuleSettings:
    """The part of pytest-django's `settings` fixture that `case_world` uses, undone when the module ends."""

    def __init__(self) -> None:
        object.__setattr__(self, "_overrides", [])

    def __getattr__(self, name):
        return getattr(django_settings, name)

    def __setattr__(self, name, value) -> None:
        override = override_settings(**{name: value})
        override.enable()
        self._overrides.append(override)

    def restore(self) -> None:
        for override in reversed(self._overrides):
            override.disable()


@contextmanager
def shared_case_world(django_db_blocker, lv_pack_content, tmp_path_factory) -> Iterator:
    """The world of tests/conftest.py's `case_world`, made by that fixture's own code, for one module."""
    from tests import conftest

    build = conftest.case_world.__wrapped__  # the fixture's function, so both worlds are the same world
    settings = _ModuleSettings()
    directory = tmp_path_factory.mktemp("case_world")
    # The fixture's own arguments, by name: `db` only asks pytest for database access, which is open here.
    available = {"db": None, "lv_pack_content": lv_pack_content, "settings": settings, "tmp_path": directory}
    arguments = {name: available[name] for name in inspect.signature(build).parameters}
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), transaction.atomic():
        patch.delenv(crypto.ENVIRONMENT_VARIABLE, raising=False)
        # What the autouse fixtures set for each test, needed here before any test has started.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        settings.OPENNRM_DATA_KEYS_FILE = directory / "data_keys.json"
        crypto.reset_keyring_cache()
        made = build(**arguments)
        try:
            yield next(made) if inspect.isgenerator(made) else made
        finally:
            if inspect.isgenerator(made):
                next(made, None)  # the fixture's own teardown
            settings.restore()
            crypto.reset_keyring_cache()
            transaction.set_rollback(True)


def world_keys_file():
    return django_settings.OPENNRM_DATA_KEYS_FILE
