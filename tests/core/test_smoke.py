import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_are_complete():
    """A model change without its migration fails here (djangoproject.com does the same)."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_home_page_answers(client):
    response = client.get("/en/")
    assert response.status_code == 200
