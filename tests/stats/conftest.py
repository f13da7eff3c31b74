"""Shared fixtures of the statistics tests: the Latvian definitions and a way to write facts directly.

`case_world` (tests/conftest.py) gives the published Latvian model with staff, for tests that go through cases.
"""

import itertools

import pytest
from django.core.cache import cache

from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.models import CaseFact
from opennrm.stats.services.facts import facts_changed

_keys = itertools.count(1)


@pytest.fixture(scope="session")
def lv_definitions(lv_pack_content):
    """The statistics definitions of packs/lv, without a database."""
    return statistics_definitions(lv_pack_content)


@pytest.fixture(autouse=True)
def _no_release_from_another_test():
    """The database is rolled back between tests, the cache is not: no test finds a release another one cached."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_fact(db):
    """Write a CaseFact with plausible defaults, as a writer of facts does (with a new revision of its year);
    keyword arguments override any column."""

    def make(**columns) -> CaseFact:
        values = {
            "source": CaseFact.Source.HTCDS,
            "source_key": f"htcds:TEST-{next(_keys)}",
            "pack_code": "lv",
            "year": 2024,
            "month": 1,
            "sex": "Feminine",
            "age_band": "30-38",
            "is_child": False,
            "citizenship": "LV",
            "citizenship_group": "national",
            "forms": ["ForcedLabour"],
            "exploitation_countries": ["LV"],
            "recognising_type": "state_police",
            "region": "riga_region",
            "pathway": [],
            "identification_route": "",
            "outcome": "in_progress",
        }
        values.update(columns)
        fact = CaseFact.objects.create(**values)
        facts_changed(years=[fact.year])
        return fact

    return make
