import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from tests.factories import UserFactory


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    policy = client.get(reverse("core:home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_public_pages_may_be_cached_but_signed_in_pages_never(client):
    assert "no-store" not in client.get(reverse("core:home")).get("Cache-Control", "")
    force_login_verified(client, UserFactory())
    cache_control = client.get(reverse("core:home"))["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


@pytest.mark.django_db
def test_the_policy_can_be_left_to_the_proxy(client, settings):
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get(reverse("core:home"))
