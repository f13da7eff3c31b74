import pytest

from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.directory import selectors
from opennrm.directory.models import Institution
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash
from tests.factories import ContactPointFactory, InstitutionFactory, UnitFactory, UserFactory, names


def _codes(entries):
    return [e.institution.code if e.institution else f"({e.responsibility.institution_type})" for e in entries]


@pytest.mark.django_db
class TestWhoToCall:
    def test_adult_national_in_alpha(self, world):
        entries = selectors.who_to_call(
            municipality="alpha", stage="referral", population="adult", nationality="national"
        )
        # Municipal first, then regional, then national, then responsibilities with no listed institution.
        assert _codes(entries) == ["ss-alpha", "region-north", "police", "(court)"]

    def test_other_municipalities_offices_are_not_listed(self, world):
        codes = _codes(
            selectors.who_to_call(municipality="alpha", stage="referral", population="child", nationality="national")
        )
        assert "ss-beta" not in codes and "oc-beta" not in codes and "region-south" not in codes
        assert "police-old" not in codes  # inactive

    def test_child_adds_the_orphans_court(self, world):
        entries = selectors.who_to_call(
            municipality="alpha", stage="referral", population="child", nationality="national"
        )
        assert _codes(entries) == ["ss-alpha", "oc-alpha", "region-north", "police", "(court)"]
        court = entries[1].responsibility
        assert [f.id for f in court.functions] == ["protect"]
        assert court.legal_bases[0].citation == "Test Law No. 2 of 2002"
        assert court.description["en"] == "Orphans court protects the child"

    def test_third_country_national_adds_the_border_guard(self, world):
        entries = selectors.who_to_call(
            municipality="beta", stage="referral", population="adult", nationality="third_country_national"
        )
        assert _codes(entries) == ["ss-beta", "region-south", "police", "border", "(court)"]

    def test_eu_citizen_gets_no_border_guard(self, world):
        codes = _codes(
            selectors.who_to_call(municipality="beta", stage="referral", population="adult", nationality="eu_citizen")
        )
        assert "border" not in codes

    def test_region_serves_only_its_area(self, world):
        codes = _codes(
            selectors.who_to_call(municipality="gamma", stage="referral", population="adult", nationality="national")
        )
        # Gamma has no municipal offices of its own, but the northern region serves it.
        assert codes == ["region-north", "police", "(social_service)", "(court)"]

    def test_responsibility_details_are_resolved_from_the_model(self, world):
        entry = selectors.who_to_call(
            municipality="alpha", stage="referral", population="adult", nationality="national"
        )[0]
        assert entry.responsibility.institution_type_name["en"] == "Social Service"
        assert [f.name["en"] for f in entry.responsibility.functions] == ["Refer", "Assist"]
        basis = entry.responsibility.legal_bases[0]
        assert (basis.title["en"], basis.citation, basis.url) == (
            "Social Services Test Law",
            "Test Law No. 1 of 2001",
            "https://law.example.lv/1",
        )

    def test_unlisted_type_carries_the_packs_contacts(self, world):
        entry = selectors.who_to_call(
            municipality="alpha", stage="referral", population="adult", nationality="national"
        )[-1]
        assert entry.institution is None
        assert entry.responsibility.type_contacts[0]["phone"] == "+371 20000999"

    def test_other_stage(self, world):
        codes = _codes(
            selectors.who_to_call(municipality="alpha", stage="recognition", population="adult", nationality="national")
        )
        assert codes == ["ss-alpha"]

    def test_public_sees_only_public_contacts(self, world):
        entries = selectors.who_to_call(
            municipality="alpha", stage="referral", population="adult", nationality="national"
        )
        labels = {p.labels["en"] for e in entries for p in e.contact_points}
        assert labels == {"Alpha reception", "Police hotline"}

    def test_staff_also_see_professionals_contacts_but_never_inactive_ones(self, world):
        staff = UserFactory(unit=world["ss_beta"].units.first())
        entries = selectors.who_to_call(
            municipality="alpha", stage="referral", population="adult", nationality="national", user=staff
        )
        labels = {p.labels["en"] for e in entries for p in e.contact_points}
        assert labels == {"Alpha reception", "Alpha duty officer", "Police hotline", "Police duty desk"}

    @pytest.mark.parametrize(
        "arguments, field",
        [
            ({"municipality": "nowhere"}, "municipality"),
            ({"stage": "nostage"}, "stage"),
            ({"population": "elder"}, "population"),
            ({"nationality": "martian"}, "nationality"),
        ],
    )
    def test_bad_situation_names_the_field(self, world, arguments, field):
        situation = {
            "municipality": "alpha",
            "stage": "referral",
            "population": "adult",
            "nationality": "national",
        }
        with pytest.raises(ApplicationError) as caught:
            selectors.who_to_call(**{**situation, **arguments})
        assert caught.value.field == field

    def test_inactive_municipality_is_unknown(self, world):
        world["places"]["alpha"].is_active = False
        world["places"]["alpha"].save()
        with pytest.raises(ApplicationError) as caught:
            selectors.who_to_call(municipality="alpha", stage="referral", population="adult", nationality="national")
        assert caught.value.field == "municipality"

    def test_without_a_published_model(self, world):
        ModelVersion.objects.update(status=ModelVersion.Status.SUPERSEDED)
        with pytest.raises(ApplicationError):
            selectors.who_to_call(municipality="alpha", stage="referral", population="adult", nationality="national")
        assert selectors.stage_choices() == []

    def test_query_count_does_not_grow_with_institutions(self, world, django_assert_max_num_queries):
        for n in range(15):
            extra = InstitutionFactory(code=f"police-extra-{n}", type=world["types"]["police"], scope="national")
            ContactPointFactory(institution=extra)
            ContactPointFactory(institution=extra)
        # Model version, municipality, institutions, service areas, contact points.
        with django_assert_max_num_queries(5):
            entries = selectors.who_to_call(
                municipality="alpha", stage="referral", population="adult", nationality="national"
            )
            for entry in entries:
                list(entry.contact_points)
        assert len(entries) == 19

    def test_within_a_level_the_matrix_order_of_the_stage_decides(self, world, published):
        # The pack lists police before the border guard as types; its referral entries are put the other way.
        content = published.content
        content["matrix"].insert(0, content["matrix"].pop(3))
        published.content = content
        published.content_hash = content_hash(content)
        published.save()
        codes = _codes(
            selectors.who_to_call(
                municipality="beta", stage="referral", population="adult", nationality="third_country_national"
            )
        )
        assert codes == ["ss-beta", "region-south", "border", "police", "(court)"]

    def test_entry_restricted_on_both_axes_needs_both(self, world, published):
        content = published.content
        content["matrix"][3]["applies_to"] = {"population": ["child"], "nationality": ["third_country_national"]}
        published.content = content
        published.content_hash = content_hash(content)
        published.save()

        def codes(population, nationality):
            return _codes(
                selectors.who_to_call(
                    municipality="beta", stage="referral", population=population, nationality=nationality
                )
            )

        assert "border" in codes("child", "third_country_national")
        assert "border" not in codes("adult", "third_country_national")
        assert "border" not in codes("child", "national")

    def test_stage_choices_follow_the_model_order(self, world):
        assert [code for code, _name in selectors.stage_choices()] == [
            "recognition",
            "referral",
            "reflection",
        ]


@pytest.mark.django_db
class TestInstitutionsList:
    def test_filters(self, world):
        def codes(**filters):
            return [i.code for i in selectors.institutions_list(**filters)]

        assert "police-old" not in codes()
        assert codes(municipality="alpha") == ["oc-alpha", "region-north", "ss-alpha"]
        assert codes(municipality="gamma") == ["region-north"]
        assert codes(institution_type="orphans_court") == ["oc-alpha", "oc-beta"]
        assert codes(q="ss-b") == ["ss-beta"]

    def test_text_search_reads_every_language(self, world):
        Institution.objects.filter(pk=world["border"].pk).update(
            names={"lv": "Robežsardze", "en": "Frontier service", "ru": "Пограничная служба"}
        )
        assert [i.code for i in selectors.institutions_list(q="robežsardze")] == ["border"]
        assert [i.code for i in selectors.institutions_list(q="Пограничная")] == ["border"]

    def test_keyset_pagination(self, world):
        first = list(selectors.institutions_list(limit=3))
        second = list(selectors.institutions_list(after=first[-1].code, limit=3))
        assert [i.code for i in first] == ["border", "oc-alpha", "oc-beta"]
        assert [i.code for i in second] == ["police", "region-north", "region-south"]

    def test_query_count(self, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(3):
            for institution in selectors.institutions_list():
                (
                    institution.type.names,
                    list(institution.service_area.all()),
                    selectors.visible_contact_points(institution),
                )


@pytest.mark.django_db
class TestAccess:
    def test_access_institution(self, world):
        found = selectors.access_institution(code="police")
        assert [p.labels["en"] for p in selectors.visible_contact_points(found)] == ["Police hotline"]
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_institution(code="police-old")
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_institution(code="missing")

    def test_who_may_edit(self, world, alpha_editor, beta_editor, alpha_plain, coordinator):
        alpha = world["ss_alpha"]
        assert selectors.can_edit_institution(user=alpha_editor, institution=alpha)
        assert not selectors.can_edit_institution(user=beta_editor, institution=alpha)
        assert not selectors.can_edit_institution(user=alpha_plain, institution=alpha)
        assert selectors.can_edit_institution(user=coordinator, institution=alpha)
        assert not selectors.can_edit_institution(user=None, institution=alpha)

    def test_model_edit_does_not_widen_directory_edit(self, world, model_keeper):
        # directory.edit with model.edit once meant "everything"; only directory.edit_all means that now.
        assert selectors.can_edit_institution(user=model_keeper, institution=world["police"])
        assert not selectors.can_edit_institution(user=model_keeper, institution=world["ss_alpha"])

    def test_edit_all_alone_keeps_every_entry(self, world, directory_keeper):
        assert selectors.can_edit_directory(user=directory_keeper)
        for code in ("ss_alpha", "ss_beta", "police", "border"):
            assert selectors.can_edit_institution(user=directory_keeper, institution=world[code])

    def test_disabled_account_edits_nothing(self, world, coordinator):
        coordinator.is_active = False
        assert not selectors.can_edit_directory(user=coordinator)
        assert not selectors.can_edit_institution(user=coordinator, institution=world["ss_alpha"])

    def test_institution_page_lists_only_active_units(self, world):
        UnitFactory(institution=world["police"], code="east", names=names("East office"))
        UnitFactory(institution=world["police"], code="closed", names=names("Closed office"), is_active=False)
        found = selectors.access_institution(code="police")
        assert [unit.code for unit in selectors.active_units(found)] == ["east", "main"]
