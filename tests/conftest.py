import pytest

from opennrm.audit.testing import allow_truncate_in_tests

# Django empties every table between transactional (and browser) tests with TRUNCATE, which the audit log's
# append-only trigger refuses on PostgreSQL unless the session allows it; UPDATE and DELETE stay refused.
allow_truncate_in_tests()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the Latvian UI has tests of its own."""
    settings.LANGUAGE_CODE = "en"
    # Argon2 is deliberately slow; tests use a fast hasher (sign-in tests still use the real mechanism).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
