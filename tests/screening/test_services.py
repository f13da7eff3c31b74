"""screening_save: anonymous by design, outcome worked out again, one transaction with its audit event."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.jurisdiction.models import ModelVersion
from opennrm.screening.models import Screening
from opennrm.screening.services import screening_save

# The fixtures (a small published model with sets, a directory, two members of staff) live in web_fixtures.
pytest_plugins = ["tests.screening.web_fixtures"]
pytestmark = pytest.mark.django_db

INDICATIVE = {
    "tal_deceived_about_job": "yes",
    "tal_deceived_about_pay": "yes",
    "tal_no_days_off": "yes",
    "tal_low_pay": "yes",
    "tal_documents_taken": "yes",
    "tal_threats": "yes",
}


def test_saves_the_outcome_it_works_out_itself(social_worker, screening_model):
    saved = screening_save(
        by=social_worker,
        model=screening_model,
        answers={"test_adult_labour": INDICATIVE, "test_adult_sexual": {}},
        screened_on=datetime.date(2026, 3, 1),
    )
    assert saved.outcome == "indicative"
    assert saved.set_ids == ["test_adult_labour", "test_adult_sexual"]
    assert saved.model_version == screening_model and saved.pack_code == screening_model.pack_code
    assert saved.screened_on == datetime.date(2026, 3, 1)
    assert (saved.institution_type, saved.municipality) == ("social_service", "alpha")
    event = AuditEvent.objects.get(action="screening.save")
    assert event.new_values == {
        "sets": ["test_adult_labour", "test_adult_sexual"],
        "outcome": "indicative",
        "model_version": 1,
    }


def test_the_date_defaults_to_today(police_officer, screening_model):
    saved = screening_save(
        by=police_officer, model=screening_model, answers={"test_adult_labour": {"tal_threats": "no"}}
    )
    assert saved.screened_on == datetime.date.today()
    assert saved.outcome == "none" and saved.municipality == "" and saved.institution_type == "police"


@pytest.mark.parametrize("by", [None, AnonymousUser()])
def test_anonymous_cannot_save(by, screening_model):
    with pytest.raises(Forbidden):
        screening_save(by=by, model=screening_model, answers={"test_adult_labour": {}})
    assert not Screening.objects.exists() and not AuditEvent.objects.exists()


def test_an_inactive_account_cannot_save(social_worker, screening_model):
    social_worker.is_active = False
    with pytest.raises(Forbidden):
        screening_save(by=social_worker, model=screening_model, answers={"test_adult_labour": {}})


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "answers"),
        ({"nope": {}}, "set"),
        ({"test_adult_labour": {"tal_unknown_thing": "yes"}}, "answers.tal_unknown_thing"),
        ({"test_adult_labour": {"tal_threats": "maybe"}}, "answers.tal_threats"),
        # One bad set refuses the whole screening, including the good set before it.
        ({"test_adult_labour": INDICATIVE, "test_child_labour": {"x": "yes"}}, "answers.x"),
    ],
)
def test_bad_answers_change_nothing(social_worker, screening_model, answers, field):
    with pytest.raises(ApplicationError) as raised:
        screening_save(by=social_worker, model=screening_model, answers=answers)
    assert raised.value.field == field
    assert not Screening.objects.exists() and not AuditEvent.objects.exists()


def test_a_draft_model_is_refused(social_worker, screening_model):
    ModelVersion.objects.filter(pk=screening_model.pk).update(status=ModelVersion.Status.DRAFT)
    screening_model.refresh_from_db()
    with pytest.raises(ApplicationError) as raised:
        screening_save(by=social_worker, model=screening_model, answers={"test_adult_labour": {}})
    assert raised.value.field == "model"
    assert not Screening.objects.exists()


def test_a_screening_of_only_dont_knows_is_not_saved(social_worker, screening_model):
    """It says nothing and would only swell the statistics of how often institutions recognise."""
    with pytest.raises(ApplicationError) as refused:
        screening_save(
            by=social_worker, model=screening_model, answers={"test_adult_labour": {"tal_threats": "unknown"}}
        )
    assert refused.value.field == "answers"
    assert not Screening.objects.exists() and not AuditEvent.objects.exists()


def test_the_same_web_screening_is_saved_once(social_worker, screening_model):
    """A resent form or a shared result link must not count the same screening twice in the statistics."""
    answers = {"test_adult_labour": INDICATIVE}
    screening_save(by=social_worker, model=screening_model, answers=answers, save_key="a" * 64)
    with pytest.raises(ApplicationError) as refused:
        screening_save(by=social_worker, model=screening_model, answers=answers, save_key="a" * 64)
    assert refused.value.field == "state"
    assert Screening.objects.count() == 1
    assert AuditEvent.objects.filter(action="screening.save").count() == 1
