"""Two people answering the same referral at the same moment: exactly one succeeds.

The real race needs a database that runs two transactions at once (PostgreSQL): each thread has its own
connection, and a barrier releases them together. On SQLite, writers queue anyway, so there the second, later
accept is checked to be refused the same way.
"""

import threading

import pytest
from django.db import connection

from opennrm.audit.models import AuditEvent
from opennrm.audit.verify import audit_verify
from opennrm.cases.models import Assignment, CaseParty, Referral
from opennrm.cases.services.referrals import referral_accept, referral_decline
from opennrm.core.errors import ApplicationError
from tests.cases import steps

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")


def at_once(*calls) -> list:
    """Run each call in its own thread and connection, all released together; each result or ApplicationError."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except ApplicationError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def waiting_referral(world) -> Referral:
    case = steps.open_case(world)
    steps.consent(world, case)
    return steps.refer(world, case)


def assert_accepted_once(referral: Referral) -> None:
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert CaseParty.objects.filter(case=referral.case, institution=referral.to_institution).count() == 1
    marta = Assignment.objects.filter(case=referral.case, user__unit__institution=referral.to_institution)
    assert list(marta.values_list("user", flat=True)) == [referral.answered_by_id]
    events = AuditEvent.objects.filter(object_id=referral.case.reference)
    assert events.filter(action="referral.accepted").count() == 1
    assert events.filter(action="case.transition", new_values__transition="start_identification").count() == 1
    assert steps.refresh(referral.case).state == "identification"
    assert audit_verify().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_one_succeeds(case_world):
    world = case_world
    for _ in range(3):  # a few rounds: the race must be lost the same way every time
        referral = waiting_referral(world)
        results = at_once(
            lambda r=referral: referral_accept(by=world.provider_worker, referral_id=r.pk),
            lambda r=referral: referral_accept(by=world.provider_supervisor, referral_id=r.pk),
        )
        accepted = [r for r in results if isinstance(r, Referral)]
        refused = [r for r in results if isinstance(r, ApplicationError)]
        assert (len(accepted), len(refused)) == (1, 1), results
        assert refused[0].field == "status"
        assert_accepted_once(referral)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_accept_and_a_decline_at_once_one_answer_wins(case_world):
    world = case_world
    referral = waiting_referral(world)
    results = at_once(
        lambda: referral_accept(by=world.provider_worker, referral_id=referral.pk),
        lambda: referral_decline(by=world.provider_supervisor, referral_id=referral.pk, reason="No place now."),
    )
    assert sum(isinstance(r, Referral) for r in results) == 1, results
    referral.refresh_from_db()
    assert referral.status in (Referral.Status.ACCEPTED, Referral.Status.DECLINED)
    parties = CaseParty.objects.filter(case=referral.case, institution=referral.to_institution).count()
    assert parties == (1 if referral.status == Referral.Status.ACCEPTED else 0)
    assert audit_verify().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_cases_opened_at_once_get_different_numbers(case_world):
    world = case_world
    cases = at_once(*[lambda: steps.open_case(world) for _ in range(4)])
    references = sorted(case.reference for case in cases)
    assert len(set(references)) == 4
    assert [reference[-6:] for reference in references] == ["000001", "000002", "000003", "000004"]
    assert audit_verify().ok


def test_a_second_accept_after_the_first_is_refused_and_changes_nothing(case_world):
    referral = waiting_referral(case_world)
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    with pytest.raises(ApplicationError) as second:
        referral_accept(by=case_world.provider_supervisor, referral_id=referral.pk)
    assert second.value.field == "status"
    assert_accepted_once(referral)
