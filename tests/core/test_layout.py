"""The page layout, the home page and the error pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.core import views
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_layout_has_landmarks_skip_link_and_language_switcher(client):
    html = client.get("/en/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'action="/i18n/setlang/"' in html and '<label for="language-select">' in html
    assert 'aria-current="page"' in html  # Home is marked as the current page


def test_home_links_to_the_model_and_sign_in(client):
    html = client.get("/en/").content.decode()
    assert reverse("jurisdiction:overview") in html
    assert "/en/accounts/login/?next=/en/" in html
    assert "Sign out" not in html


def test_signed_in_user_sees_their_name_and_a_sign_out_form(client):
    user = UserFactory(first_name="Ilze", last_name="Testa", roles=[RoleFactory(capabilities=["stats.view"])])
    force_login_verified(client, user)
    html = client.get("/en/").content.decode()
    assert "Signed in as Ilze Testa" in html
    assert f'method="post" action="{reverse("accounts:logout")}"' in html
    assert "Edit the model" not in html


def test_language_switch_keeps_working_without_javascript(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/en/"})
    assert response.status_code == 302 and response["Location"] == "/ru/"


def test_unknown_page_is_a_helpful_404(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Go to the home page" in html


@pytest.mark.parametrize(
    "handler,status,text",
    [
        (views.bad_request, 400, "could not be understood"),
        (views.permission_denied, 403, "You cannot do this"),
        (views.page_not_found, 404, "Page not found"),
    ],
)
def test_error_handlers(rf: RequestFactory, handler, status, text):
    request = rf.get("/en/")
    request.user = AnonymousUser()
    response = handler(request, Exception())
    assert response.status_code == status and text in response.content.decode()


def test_server_error_page_answers_even_without_a_session(rf: RequestFactory):
    request = rf.get("/en/")  # no user, no session: what a failing middleware can leave behind
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
