import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the Latvian UI has tests of its own."""
    settings.LANGUAGE_CODE = "en"
    # Argon2 is deliberately slow; tests use a fast hasher (sign-in tests still use the real mechanism).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
