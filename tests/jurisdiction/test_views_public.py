"""The public pages of the model: readable without signing in, for the model in force and any version."""

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.jurisdiction.models import ModelVersion
from tests.jurisdiction.views_fixtures import *  # noqa: F403 - the fixtures
from tests.jurisdiction.views_fixtures import make_version

pytestmark = pytest.mark.django_db


def test_overview_before_anything_is_published_says_so(client, testland):
    response = client.get(reverse("jurisdiction:overview"))
    assert response.status_code == 200
    assert "not published yet" in response.content.decode()


@pytest.mark.parametrize(
    "name,args",
    [("stage", ["recognition"]), ("institution_type", ["police"]), ("print", []), ("pathway", [])],
)
def test_subpages_before_anything_is_published_are_not_found(client, testland, name, args):
    assert client.get(reverse(f"jurisdiction:{name}", args=args)).status_code == 404


def test_overview_shows_stages_in_order_types_by_group_and_version_facts(client, published):
    response = client.get(reverse("jurisdiction:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    stages = html[html.index('id="stages"') :]
    assert stages.index("Recognition") < stages.index("Referral") < stages.index("Assistance")
    assert "Someone notices the signs." in html
    assert "First contact" in html and "Law enforcement" in html and "Service providers" in html
    assert "Test edition 2026" in html
    assert "First test edition." in html
    # The diagram is inline, so the page works without JavaScript or a second request.
    assert "<svg" in html and 'role="img"' in html
    # Names are escaped wherever they appear.
    assert "Police &amp; &lt;Border&gt; guard" in html
    assert "<Border>" not in html


def test_stage_page_lists_who_does_what_with_legal_basis_and_applies_to(client, published):
    response = client.get(reverse("jurisdiction:stage", args=["recognition"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stage 1: Recognition" in html
    assert "Social service" in html and "Notices indicators." in html
    assert "Test Law" in html and "Test Law of 1 January 2000" in html
    assert "Service provider" not in html  # acts only at assistance
    assistance = client.get(reverse("jurisdiction:stage", args=["assistance"])).content.decode()
    assert "Children; Third-country nationals" in assistance
    assert "Everyone" in html


def test_institution_type_page_shows_stages_and_contacts(client, published):
    response = client.get(reverse("jurisdiction:institution_type", args=["social_service"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recognition" in html and "Referral" in html
    assert "Duty officer" in html and "+371 20000000" in html and "duty@example.lv" in html


@pytest.mark.parametrize("name,args", [("stage", ["nowhere"]), ("institution_type", ["nobody"])])
def test_unknown_stage_or_type_is_not_found(client, published, name, args):
    assert client.get(reverse(f"jurisdiction:{name}", args=args)).status_code == 404


def test_print_page_contains_the_whole_document(client, published):
    html = client.get(reverse("jurisdiction:print")).content.decode()
    for text in ["Stage 1: Recognition", "Stage 3: Assistance", "Duty officer", "Test Rule No. 1", "<svg"]:
        assert text in html


def test_pathway_svg_is_served_as_an_image(client, published):
    response = client.get(reverse("jurisdiction:pathway"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response.content.decode().startswith("<svg")


def test_pages_follow_the_language_of_the_address(client, published):
    html = client.get("/lv/model/stages/recognition/").content.decode()
    assert "Atpazīšana" in html and "Pamana pazīmes." in html


def test_superseded_version_stays_readable_under_its_number(client, published):
    published.status = ModelVersion.Status.SUPERSEDED
    published.save()
    make_version(number=2, status=ModelVersion.Status.PUBLISHED)
    response = client.get(reverse("jurisdiction:version_stage", args=[1, "recognition"]))
    assert response.status_code == 200
    assert "no longer in force" in response.content.decode()
    assert client.get(reverse("jurisdiction:version_print", args=[1])).status_code == 200
    assert client.get(reverse("jurisdiction:version_pathway", args=[1])).status_code == 200


class TestDraftVisibility:
    """Published and superseded versions are for everyone; drafts only for model.view_drafts."""

    @pytest.mark.parametrize(
        "name,args",
        [
            ("version_overview", []),
            ("version_stage", ["recognition"]),
            ("version_institution_type", ["police"]),
            ("version_print", []),
            ("version_pathway", []),
            ("diff", []),
        ],
    )
    def test_draft_pages_are_hidden_from_anonymous_and_from_users_without_the_capability(
        self,
        client,
        draft,
        plain_user,
        name,
        args,
    ):
        url = reverse(f"jurisdiction:{name}", args=[draft.number, *args])
        assert client.get(url).status_code == 404
        force_login_verified(client, plain_user)
        assert client.get(url).status_code == 404

    def test_working_group_reads_the_draft(self, client, draft, workgroup_user):
        force_login_verified(client, workgroup_user)
        response = client.get(reverse("jurisdiction:version_stage", args=[draft.number, "recognition"]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Notices indicators and asks questions." in html
        assert "not in force" in html

    def test_versions_list_shows_drafts_only_to_those_who_may_see_them(
        self,
        client,
        draft,
        plain_user,
        workgroup_user,
    ):
        url = reverse("jurisdiction:versions")
        anonymous = client.get(url).content.decode()
        assert "Version 1" in anonymous and "Version 2" not in anonymous
        force_login_verified(client, plain_user)
        assert "Version 2" not in client.get(url).content.decode()
        force_login_verified(client, workgroup_user)
        assert "Version 2" in client.get(url).content.decode()


def test_unknown_version_number_is_not_found(client, published):
    assert client.get(reverse("jurisdiction:version_overview", args=[99])).status_code == 404
