"""Progress reports: only the responsible institutions write them, the coordinator reviews, every step is kept."""

from decimal import Decimal

import pytest

from opennrm.audit.models import AuditEvent
from opennrm.coordination.models import ActionPlan, Notice, ProgressReport, ReviewState
from opennrm.coordination.services import (
    measure_cancel,
    plan_update,
    report_accept,
    report_request_clarification,
    report_save_draft,
    report_submit,
)
from opennrm.core.errors import ApplicationError, Forbidden

DELAYED_LV = "Pasākums kavējas, jo mācību telpas nebija pieejamas līdz rudenim."


def _submit(coord, measure="1.1", by=None, **values):
    arguments = {"status": "on_track", "narrative": "Going well.", "indicator_value": "120"} | values
    return report_submit(measure=coord.measures[measure], period=coord.period, by=by or coord.reporter_a, **arguments)


def test_the_responsible_institution_submits_and_the_coordinator_is_told(coord):
    report = _submit(coord, status="delayed", narrative=DELAYED_LV, evidence_links=["https://example.lv/a"])
    assert report.institution == coord.inst_a
    assert report.review_state == ReviewState.SUBMITTED
    assert report.submitted_by == coord.reporter_a and report.submitted_at is not None
    assert report.indicator_value == Decimal("120")
    assert report.narrative == DELAYED_LV
    revision = report.revisions.get()
    assert (revision.number, revision.action, revision.status) == (1, "submitted", "delayed")
    notice = Notice.objects.get(kind="report.submitted")
    assert notice.recipient == coord.coordinator and notice.details["measure_code"] == "1.1"
    event = AuditEvent.objects.get(action="coordination.report.submitted")
    assert event.actor == coord.reporter_a
    assert event.new_values["institution"] == "test-inst-a" and event.new_values["status"] == "delayed"


def test_a_co_responsible_institution_writes_its_own_report(coord):
    own = _submit(coord, "1.1", by=coord.reporter_a)
    co = _submit(coord, "1.1", by=coord.reporter_b, status="not_started")
    assert own.pk != co.pk and co.institution == coord.inst_b
    assert ProgressReport.objects.filter(measure=coord.measures["1.1"]).count() == 2


def test_no_one_reports_for_a_measure_their_institution_does_not_carry(coord):
    with pytest.raises(Forbidden, match="not responsible"):
        _submit(coord, "1.2", by=coord.reporter_a)
    for user in (coord.coordinator, coord.member, coord.observer, coord.staff):
        with pytest.raises(Forbidden):
            _submit(coord, "1.1", by=user)
    assert not ProgressReport.objects.exists()


def test_a_delay_must_be_explained_and_links_must_be_web_addresses(coord):
    with pytest.raises(ApplicationError) as unexplained:
        _submit(coord, status="delayed", narrative=" ")
    assert unexplained.value.field == "narrative"
    with pytest.raises(ApplicationError) as bad_link:
        _submit(coord, evidence_links=["https://example.lv/ok", "javascript:alert(1)"])
    assert bad_link.value.field == "evidence_links"
    assert "link 2: 'javascript:alert(1)' is not a web address" in bad_link.value.message
    with pytest.raises(ApplicationError) as bad_number:
        _submit(coord, indicator_value="about ten")
    assert bad_number.value.field == "indicator_value"
    with pytest.raises(ApplicationError) as bad_status:
        _submit(coord, status="finished")
    assert bad_status.value.field == "status"
    with pytest.raises(ApplicationError) as too_many:
        _submit(coord, evidence_links=[f"https://example.lv/{n}" for n in range(21)])
    assert too_many.value.field == "evidence_links"
    assert not ProgressReport.objects.exists()


def test_the_same_link_twice_is_kept_once(coord):
    report = _submit(coord, evidence_links=["https://example.lv/a", "https://example.lv/a", ""])
    assert report.evidence_links == ["https://example.lv/a"]


def test_a_draft_is_kept_without_telling_anyone_and_submitted_later(coord):
    draft = report_save_draft(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="delayed", narrative=""
    )
    assert draft.review_state == ReviewState.DRAFT and draft.submitted_at is None
    assert not Notice.objects.exists()
    report = _submit(coord, status="delayed", narrative=DELAYED_LV)
    assert report.pk == draft.pk
    assert [r.action for r in report.revisions.order_by("number")] == ["saved", "submitted"]


def test_clarification_then_resubmission_then_acceptance_keeps_the_whole_history(coord):
    report = _submit(coord, status="delayed", narrative=DELAYED_LV)
    with pytest.raises(ApplicationError) as no_question:
        report_request_clarification(report=report, by=coord.coordinator, comment="")
    assert no_question.value.field == "comment"
    report = report_request_clarification(report=report, by=coord.coordinator, comment="When will it start?")
    assert report.review_state == ReviewState.CLARIFICATION_REQUESTED
    assert report.review_comment == "When will it start?"
    assert {n.recipient for n in Notice.objects.filter(kind="report.clarification")} == {coord.reporter_a}
    with pytest.raises(ApplicationError):
        report_accept(report=report, by=coord.coordinator)
    report = _submit(coord, status="delayed", narrative=DELAYED_LV + " Sākums: 1. oktobrī.")
    assert report.review_state == ReviewState.SUBMITTED and report.review_comment == ""
    report = report_accept(report=report, by=coord.coordinator, comment="Thank you.")
    assert report.review_state == ReviewState.ACCEPTED and report.reviewed_by == coord.coordinator
    history = list(report.revisions.order_by("number").values_list("action", "review_state", "comment"))
    assert history == [
        ("submitted", "submitted", ""),
        ("clarification_requested", "clarification_requested", "When will it start?"),
        ("submitted", "submitted", ""),
        ("accepted", "accepted", "Thank you."),
    ]
    assert report.revisions.get(number=1).narrative == DELAYED_LV
    actions = list(
        AuditEvent.objects.filter(action__startswith="coordination.report.").values_list("action", flat=True)
    )
    assert actions == [
        "coordination.report.submitted",
        "coordination.report.clarification_requested",
        "coordination.report.submitted",
        "coordination.report.accepted",
    ]
    assert Notice.objects.filter(kind="report.accepted", recipient=coord.reporter_a).exists()
    assert Notice.objects.filter(kind="report.submitted").count() == 2


def test_an_accepted_report_is_final_and_a_submitted_one_is_not_turned_back_into_a_draft(coord):
    report = _submit(coord)
    with pytest.raises(ApplicationError) as back:
        report_save_draft(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    assert back.value.field == "submit"
    report_accept(report=report, by=coord.coordinator)
    with pytest.raises(ApplicationError, match="accepted"):
        _submit(coord, narrative="Changed afterwards.")
    report.refresh_from_db()
    assert report.narrative == "Going well."


def test_only_the_coordinator_reviews(coord):
    report = _submit(coord)
    for user in (coord.reporter_a, coord.reporter_b, coord.member, coord.observer):
        with pytest.raises(Forbidden):
            report_accept(report=report, by=user)
        with pytest.raises(Forbidden):
            report_request_clarification(report=report, by=user, comment="Why?")
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED


def test_no_reports_on_a_plan_not_in_force_or_a_cancelled_measure(coord):
    measure_cancel(measure=coord.measures["1.2"], by=coord.coordinator, change_note="Dropped.")
    coord.measures["1.2"].refresh_from_db()
    with pytest.raises(ApplicationError) as cancelled:
        _submit(coord, "1.2", by=coord.reporter_b)
    assert cancelled.value.field == "measure"
    plan_update(plan=coord.plan, by=coord.coordinator, change_note="Archived.", status=ActionPlan.Status.ARCHIVED)
    coord.measures["1.1"].plan.refresh_from_db()
    with pytest.raises(ApplicationError, match="plan in force"):
        _submit(coord, "1.1")


def test_the_period_must_belong_to_the_measures_plan(coord):
    from opennrm.coordination.services import plan_import
    from tests.coordination.conftest import PLAN_YAML

    other = plan_import(
        content=PLAN_YAML.replace("code: test-plan", "code: other-plan").encode(),
        filename="o.yaml",
        by=coord.coordinator,
    ).plan
    with pytest.raises(ApplicationError) as refused:
        report_submit(measure=coord.measures["1.1"], period=other.periods.get(), by=coord.reporter_a, status="on_track")
    assert refused.value.field == "period"
