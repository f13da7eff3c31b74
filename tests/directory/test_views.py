import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.directory.models import ContactPoint
from opennrm.jurisdiction.models import ModelVersion
from tests.factories import UnitFactory, names

SITUATION = {"municipality": "alpha", "stage": "referral", "population": "child", "nationality": "national"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _form(**overrides):
    data = {
        "label_lv": "Nakts līnija",
        "label_en": "Night line",
        "label_ru": "Ночная линия",
        "phone": "+371 20000077",
        "email": "night@alpha.example.lv",
        "hours_lv": "",
        "hours_en": "Every night",
        "hours_ru": "",
        "languages": "lv, ru",
        "audience": "public",
        "is_round_the_clock": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestPublicPages:
    def test_institution_list_and_filters(self, client, world):
        response = client.get(reverse("directory:institutions"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "ss-alpha" in page and "police-old" not in page
        assert '<th scope="col">' in page

        response = client.get(reverse("directory:institutions"), {"municipality": "beta"})
        page = response.content.decode()
        assert "ss-beta" in page and "ss-alpha" not in page

    def test_list_htmx_gets_only_the_results(self, client, world):
        response = client.get(reverse("directory:institutions"), {"type": "orphans_court"}, **HTMX)
        page = response.content.decode()
        assert page.lstrip().startswith("<section") and "<html" not in page
        assert "oc-alpha" in page and "ss-alpha" not in page

    def test_list_pages_by_keyset(self, client, world, monkeypatch):
        monkeypatch.setattr("opennrm.directory.views.PAGE_SIZE", 3)
        page = client.get(reverse("directory:institutions")).content.decode()
        assert "after=oc-beta" in page and "police" not in page.split("<tbody>")[1].split("</tbody>")[0]
        second = client.get(reverse("directory:institutions"), {"after": "oc-beta"}).content.decode()
        assert "region-north" in second and "oc-alpha" not in second.split("<tbody>")[1]

    def test_bad_filter_shows_an_error_not_a_crash(self, client, world):
        response = client.get(reverse("directory:institutions"), {"municipality": "atlantis"})
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_municipality-error"' in page
        assert 'aria-describedby="id_municipality-error"' in page

    @pytest.mark.parametrize("after", ["oc\x00beta", "x" * 101, "oc beta"])
    def test_bad_page_cursor_is_refused_before_the_database(self, client, world, after):
        response = client.get(reverse("directory:institutions"), {"after": after})
        assert response.status_code == 400
        page = response.content.decode()
        assert "The page position in the address (after) is not valid." in page
        # The first page is shown instead, with nothing of the refused value sent to a query.
        assert "border" in page.split("<tbody>")[1]
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("directory:institutions"), {"after": after})
        assert not any(after[:5] in str(query["sql"]) for query in queries.captured_queries)

    def test_units_listed_are_the_active_ones(self, client, world):
        police = world["police"]
        UnitFactory(institution=police, code="closed", names=names("Closed office"), is_active=False)
        url = reverse("directory:institution", kwargs={"code": "police"})
        # One active unit (and one closed): no list of units at all.
        assert "Closed office" not in client.get(url).content.decode()
        assert "<h2>Units</h2>" not in client.get(url).content.decode()
        UnitFactory(institution=police, code="east", names=names("East office"))
        page = client.get(url).content.decode()
        assert "<h2>Units</h2>" in page and "East office" in page and "Closed office" not in page

    def test_institution_page_hides_professional_contacts_from_the_public(self, client, world):
        response = client.get(reverse("directory:institution", kwargs={"code": "police"}))
        page = response.content.decode()
        assert "Police hotline" in page and "Police duty desk" not in page and "Police old line" not in page
        assert 'href="tel:+37120000003"' in page
        assert "24/7" in page  # a word, not a colour
        assert "Edit" not in page

    def test_signed_in_staff_see_professional_contacts(self, client, world, alpha_plain):
        force_login_verified(client, alpha_plain)
        page = client.get(reverse("directory:institution", kwargs={"code": "police"})).content.decode()
        assert "Police duty desk" in page and "For professionals only" in page

    def test_missing_or_inactive_institution_is_404(self, client, world):
        assert client.get(reverse("directory:institution", kwargs={"code": "police-old"})).status_code == 404
        assert client.get(reverse("directory:institution", kwargs={"code": "nothing"})).status_code == 404

    def test_query_count_of_the_list(self, client, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            client.get(reverse("directory:institutions"))


@pytest.mark.django_db
class TestWhoToCallPage:
    def test_form_without_answers(self, client, world):
        response = client.get(reverse("directory:who_to_call"))
        assert response.status_code == 200
        page = response.content.decode()
        assert '<label for="id_municipality">' in page and "<legend>" in page
        assert "Orphans Court" not in page

    def test_results_for_a_child(self, client, world):
        response = client.get(reverse("directory:who_to_call"), SITUATION)
        page = response.content.decode()
        assert "oc-alpha" in page and "ss-alpha" in page and "police" in page
        assert "ss-beta" not in page and "oc-beta" not in page
        assert "Orphans court protects the child" in page
        assert "Test Law No. 2 of 2002" in page
        assert "Alpha reception" in page and "Alpha duty officer" not in page
        assert (
            page.index("oc-alpha")
            < page.index("region-north")
            < page.index('href="/en/directory/institutions/police/"')
        )

    def test_htmx_gets_only_the_results(self, client, world):
        response = client.get(reverse("directory:who_to_call"), SITUATION, **HTMX)
        page = response.content.decode()
        assert page.lstrip().startswith("<section") and "<html" not in page
        assert "oc-alpha" in page

    def test_unknown_municipality_is_a_field_error(self, client, world):
        response = client.get(reverse("directory:who_to_call"), {**SITUATION, "municipality": "atlantis"})
        page = response.content.decode()
        assert 'id="id_municipality-error"' in page
        assert "Test Law" not in page

    def test_without_published_model(self, client, world):
        ModelVersion.objects.update(status=ModelVersion.Status.SUPERSEDED)
        response = client.get(reverse("directory:who_to_call"), SITUATION)
        assert response.status_code == 200
        assert "has not been published yet" in response.content.decode()

    def test_query_count(self, client, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(10):
            client.get(reverse("directory:who_to_call"), SITUATION)

    def test_latvian_page(self, client, world):
        response = client.get("/lv/directory/who-to-call/", SITUATION)
        assert response.status_code == 200
        assert "Orphans court protects the child (lv)" in response.content.decode()


@pytest.mark.django_db
class TestContactPointEditing:
    """The ladder: anonymous → no capability → wrong institution → right user (and the coordinator)."""

    def _urls(self, world):
        point = world["ss_alpha_public"]
        return {
            "new": reverse("directory:contact_point_new", kwargs={"code": "ss-alpha"}),
            "edit": reverse("directory:contact_point_edit", kwargs={"pk": point.pk}),
            "disable": reverse("directory:contact_point_disable", kwargs={"pk": point.pk}),
        }

    @pytest.mark.parametrize("name", ["new", "edit", "disable"])
    def test_anonymous_is_sent_to_sign_in(self, client, world, name):
        response = client.get(self._urls(world)[name])
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert client.post(self._urls(world)[name], _form()).status_code == 302
        assert not AuditEvent.objects.filter(action__startswith="directory.").exists()

    @pytest.mark.parametrize("name", ["new", "edit", "disable"])
    def test_without_capability_is_forbidden(self, client, world, alpha_plain, name):
        force_login_verified(client, alpha_plain)
        assert client.get(self._urls(world)[name]).status_code == 403
        assert client.post(self._urls(world)[name], _form()).status_code == 403
        assert not AuditEvent.objects.filter(action__startswith="directory.").exists()

    @pytest.mark.parametrize("name", ["new", "edit", "disable"])
    def test_other_institution_is_not_found(self, client, world, beta_editor, name):
        force_login_verified(client, beta_editor)
        assert client.get(self._urls(world)[name]).status_code == 404
        assert client.post(self._urls(world)[name], _form()).status_code == 404
        assert ContactPoint.objects.filter(institution=world["ss_alpha"], is_active=True).count() == 2
        assert not AuditEvent.objects.filter(action__startswith="directory.").exists()

    def test_editor_sees_edit_links_on_own_institution_only(self, client, world, alpha_editor):
        force_login_verified(client, alpha_editor)
        own = client.get(reverse("directory:institution", kwargs={"code": "ss-alpha"})).content.decode()
        other = client.get(reverse("directory:institution", kwargs={"code": "ss-beta"})).content.decode()
        assert self._urls(world)["edit"] in own and self._urls(world)["new"] in own
        assert "contacts/new" not in other

    def test_editor_adds_a_contact_point(self, client, world, alpha_editor):
        force_login_verified(client, alpha_editor)
        form_page = client.get(self._urls(world)["new"]).content.decode()
        assert '<label for="id_label_lv">' in form_page
        response = client.post(self._urls(world)["new"], _form())
        assert response.status_code == 302
        assert response.url == reverse("directory:institution", kwargs={"code": "ss-alpha"})
        point = ContactPoint.objects.get(labels__en="Night line")
        assert point.institution == world["ss_alpha"] and point.is_round_the_clock and point.languages == ["lv", "ru"]
        assert AuditEvent.objects.filter(action="directory.contact_point_create", actor=alpha_editor).count() == 1

    def test_editor_edits_with_a_plain_post(self, client, world, alpha_editor):
        force_login_verified(client, alpha_editor)
        response = client.post(self._urls(world)["edit"], _form(phone="+371 20000066"))
        assert response.status_code == 302
        world["ss_alpha_public"].refresh_from_db()
        assert world["ss_alpha_public"].phone == "+371 20000066"
        assert AuditEvent.objects.filter(action="directory.contact_point_update").count() == 1

    def test_editor_edits_with_htmx(self, client, world, alpha_editor):
        force_login_verified(client, alpha_editor)
        fragment = client.get(self._urls(world)["edit"], **HTMX).content.decode()
        assert fragment.lstrip().startswith("<form") and 'value="+371 20000001"' in fragment
        response = client.post(self._urls(world)["edit"], _form(phone="+371 20000055"), **HTMX)
        assert response.status_code == 200
        card = response.content.decode()
        assert card.lstrip().startswith("<article") and "+371 20000055" in card

    def test_coordinator_edits_any_institution(self, client, world, coordinator):
        force_login_verified(client, coordinator)
        assert client.post(self._urls(world)["edit"], _form(phone="+371 20000044")).status_code == 302
        world["ss_alpha_public"].refresh_from_db()
        assert world["ss_alpha_public"].phone == "+371 20000044"
        event = AuditEvent.objects.get(action="directory.contact_point_update")
        assert event.institution == world["ss_alpha"]

    def test_edit_all_alone_opens_every_page(self, client, world, directory_keeper):
        force_login_verified(client, directory_keeper)
        for url in self._urls(world).values():
            assert client.get(url).status_code == 200
        page = client.get(reverse("directory:institution", kwargs={"code": "ss-alpha"})).content.decode()
        assert self._urls(world)["new"] in page

    @pytest.mark.parametrize("name", ["new", "edit", "disable"])
    def test_model_edit_does_not_open_other_institutions(self, client, world, model_keeper, name):
        force_login_verified(client, model_keeper)
        assert client.get(self._urls(world)[name]).status_code == 404
        assert client.post(self._urls(world)[name], _form()).status_code == 404
        assert not AuditEvent.objects.filter(action__startswith="directory.").exists()
        police = client.get(reverse("directory:institution", kwargs={"code": "police"})).content.decode()
        assert reverse("directory:contact_point_new", kwargs={"code": "police"}) in police

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"label_ru": ""}, "label_ru"),
            ({"phone": "call me"}, "phone"),
            ({"email": "not-an-address"}, "email"),
            ({"languages": "lv, latvian!"}, "languages"),
            ({"audience": "everyone"}, "audience"),
            ({"phone": "", "email": ""}, "phone"),
        ],
    )
    def test_bad_input_shows_field_errors_and_changes_nothing(self, client, world, alpha_editor, overrides, field):
        force_login_verified(client, alpha_editor)
        before = list(ContactPoint.objects.order_by("pk").values())
        response = client.post(self._urls(world)["edit"], _form(**overrides))
        assert response.status_code == 400
        page = response.content.decode()
        assert f'id="id_{field}-error"' in page
        assert "aria-invalid" in page
        assert list(ContactPoint.objects.order_by("pk").values()) == before
        assert not AuditEvent.objects.filter(action__startswith="directory.").exists()

    def test_disable_asks_then_removes(self, client, world, alpha_editor):
        force_login_verified(client, alpha_editor)
        confirm = client.get(self._urls(world)["disable"])
        assert confirm.status_code == 200 and "Alpha reception" in confirm.content.decode()
        assert ContactPoint.objects.get(pk=world["ss_alpha_public"].pk).is_active
        response = client.post(self._urls(world)["disable"])
        assert response.status_code == 302
        assert not ContactPoint.objects.get(pk=world["ss_alpha_public"].pk).is_active
        assert AuditEvent.objects.filter(action="directory.contact_point_disable").count() == 1
        # A removed contact point can no longer be edited.
        assert client.get(self._urls(world)["edit"]).status_code == 404
