import pytest

from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.directory.models import ContactPoint
from opennrm.directory.services import contact_point_disable, contact_point_save
from tests.factories import names


def _input(**overrides):
    values = {
        "labels": names("Night line"),
        "phone": "+371 20000077",
        "email": "night@alpha.example.lv",
        "hours": {"en": "Every night", "lv": "Katru nakti"},
        "languages": ["lv", "RU", "lv"],
        "audience": "professionals",
        "is_round_the_clock": True,
    }
    values.update(overrides)
    return values


def _snapshot():
    return list(ContactPoint.objects.order_by("pk").values()), AuditEvent.objects.count()


@pytest.mark.django_db
class TestSave:
    def test_own_institution_creates_and_audits(self, world, alpha_editor):
        point = contact_point_save(institution=world["ss_alpha"], by=alpha_editor, ip_address="192.0.2.1", **_input())
        point.refresh_from_db()
        assert point.institution == world["ss_alpha"]
        assert point.languages == ["lv", "ru"]
        assert point.hours == {"en": "Every night", "lv": "Katru nakti"}
        assert point.order == 3  # after the two existing points
        event = AuditEvent.objects.get(action="directory.contact_point_create")
        assert event.actor == alpha_editor
        assert event.object_id == str(point.pk)
        assert event.new_values["phone"] == "+371 20000077"
        assert event.old_values is None
        assert event.ip_address == "192.0.2.1"

    def test_update_records_old_and_new_values(self, world, alpha_editor):
        point = world["ss_alpha_public"]
        contact_point_save(
            institution=world["ss_alpha"],
            contact_point=point,
            by=alpha_editor,
            **_input(phone="+371 20000088"),
        )
        point.refresh_from_db()
        assert point.phone == "+371 20000088"
        event = AuditEvent.objects.get(action="directory.contact_point_update")
        assert event.old_values["phone"] == "+371 20000001"
        assert event.new_values["phone"] == "+371 20000088"

    def test_unchanged_save_writes_nothing(self, world, alpha_editor):
        point = contact_point_save(institution=world["ss_alpha"], by=alpha_editor, **_input())
        before = _snapshot()
        contact_point_save(institution=world["ss_alpha"], contact_point=point, by=alpha_editor, **_input())
        assert _snapshot() == before

    def test_coordinator_may_edit_any_institution(self, world, coordinator):
        contact_point_save(institution=world["ss_beta"], by=coordinator, **_input())
        assert world["ss_beta"].contact_points.count() == 1

    def test_edit_all_alone_is_enough(self, world, directory_keeper):
        contact_point_save(
            institution=world["ss_alpha"],
            contact_point=world["ss_alpha_public"],
            by=directory_keeper,
            **_input(phone="+371 20000033"),
        )
        contact_point_disable(contact_point=world["ss_alpha_duty"], by=directory_keeper)
        assert ContactPoint.objects.get(pk=world["ss_alpha_public"].pk).phone == "+371 20000033"

    def test_model_edit_does_not_open_other_institutions(self, world, model_keeper):
        before = _snapshot()
        with pytest.raises(NotFoundOrForbidden):
            contact_point_save(institution=world["ss_alpha"], by=model_keeper, **_input())
        with pytest.raises(NotFoundOrForbidden):
            contact_point_disable(contact_point=world["ss_alpha_public"], by=model_keeper)
        assert _snapshot() == before

    def test_events_are_filed_under_the_institution_concerned(self, world, coordinator):
        # The coordinator sits in the police; the change concerns the Alpha social service.
        point = contact_point_save(institution=world["ss_alpha"], by=coordinator, **_input())
        contact_point_save(
            institution=world["ss_alpha"], contact_point=point, by=coordinator, **_input(phone="+371 20000022")
        )
        contact_point_disable(contact_point=point, by=coordinator)
        events = AuditEvent.objects.filter(action__startswith="directory.contact_point_").order_by("seq")
        assert [e.action.rsplit("_", 1)[1] for e in events] == ["create", "update", "disable"]
        assert {e.institution_id for e in events} == {world["ss_alpha"].pk}
        assert {e.actor_id for e in events} == {coordinator.pk}

    def test_edit_racing_a_disable_fails_and_keeps_the_disabled_row(self, world, alpha_editor):
        # The editor's copy was read while the point was active; the disable committed before the save locked it.
        stale = ContactPoint.objects.get(pk=world["ss_alpha_public"].pk)
        ContactPoint.objects.filter(pk=stale.pk).update(is_active=False)
        before = _snapshot()
        with pytest.raises(NotFoundOrForbidden):
            contact_point_save(
                institution=world["ss_alpha"],
                contact_point=stale,
                by=alpha_editor,
                **_input(phone="+371 20000011"),
            )
        assert _snapshot() == before
        row = ContactPoint.objects.get(pk=stale.pk)
        assert row.is_active is False and row.phone == "+371 20000001"

    def test_other_institution_is_refused_as_missing(self, world, beta_editor):
        before = _snapshot()
        with pytest.raises(NotFoundOrForbidden):
            contact_point_save(institution=world["ss_alpha"], by=beta_editor, **_input())
        with pytest.raises(NotFoundOrForbidden):
            contact_point_save(
                institution=world["ss_alpha"],
                contact_point=world["ss_alpha_public"],
                by=beta_editor,
                **_input(),
            )
        assert _snapshot() == before

    def test_point_of_another_institution_cannot_be_smuggled_in(self, world, alpha_editor):
        with pytest.raises(NotFoundOrForbidden):
            contact_point_save(
                institution=world["ss_alpha"],
                contact_point=world["police_public"],
                by=alpha_editor,
                **_input(),
            )

    def test_without_capability_is_forbidden(self, world, alpha_plain):
        with pytest.raises(Forbidden):
            contact_point_save(institution=world["ss_alpha"], by=alpha_plain, **_input())

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"labels": {"lv": "Nakts", "en": "Night", "ru": " "}}, "labels.ru"),
            ({"labels": {"lv": "Nakts", "en": "Night", "ru": "Ночь", "de": "Nacht"}}, "labels.de"),
            ({"labels": {"lv": "x" * 201, "en": "Night", "ru": "Ночь"}}, "labels.lv"),
            ({"phone": "call me"}, "phone"),
            ({"phone": "", "email": ""}, "phone"),
            ({"email": "not-an-address"}, "email"),
            ({"languages": ["latvian!"]}, "languages"),
            ({"languages": "lv"}, "languages"),
            ({"audience": "everyone"}, "audience"),
            ({"hours": {"en": "y" * 201}}, "hours.en"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(self, world, alpha_editor, overrides, field):
        before = _snapshot()
        with pytest.raises(ApplicationError) as caught:
            contact_point_save(institution=world["ss_alpha"], by=alpha_editor, **_input(**overrides))
        assert caught.value.field == field
        assert _snapshot() == before


@pytest.mark.django_db
class TestDisable:
    def test_disable_keeps_the_row_and_audits(self, world, alpha_editor):
        point = world["ss_alpha_duty"]
        contact_point_disable(contact_point=point, by=alpha_editor)
        point.refresh_from_db()
        assert point.is_active is False
        event = AuditEvent.objects.get(action="directory.contact_point_disable")
        assert (event.old_values["is_active"], event.new_values["is_active"]) == (True, False)
        with pytest.raises(NotFoundOrForbidden):
            contact_point_disable(contact_point=point, by=alpha_editor)

    def test_disable_refused_for_other_institution(self, world, beta_editor, alpha_plain):
        with pytest.raises(NotFoundOrForbidden):
            contact_point_disable(contact_point=world["ss_alpha_public"], by=beta_editor)
        with pytest.raises(Forbidden):
            contact_point_disable(contact_point=world["ss_alpha_public"], by=alpha_plain)
        assert ContactPoint.objects.get(pk=world["ss_alpha_public"].pk).is_active
