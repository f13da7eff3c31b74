"""The cases benchmark works end to end at a tiny size: the generator leaves data the services accept, and the
runner serves it over HTTP and reports every endpoint. Timings are never asserted (benchmarks/README.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import cases_generate
from benchmarks.cases_report import ENDPOINTS
from opennrm.audit.verify import audit_verify
from opennrm.cases.models import Case, CaseReferenceCounter, Deadline, Person, Referral
from opennrm.cases.selectors import cases_visible_to, inbox
from opennrm.cases.services.referrals import referral_accept
from opennrm.jurisdiction.selectors import version_pack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def generated(case_world):
    riga = case_world.institution(cases_generate.BENCHMARK_INSTITUTION)
    staff = cases_generate.staff_create(benchmark=riga)
    rows = cases_generate.cases_generate(count=60, waiting=6, benchmark=riga, staff=staff)
    return case_world, riga, staff, rows


def test_generated_cases_follow_the_workflow_and_keep_the_audit_chain(generated):
    world, riga, _staff, rows = generated
    workflow = version_pack(world.version).workflow
    states = {state.id: state.kind for state in workflow.states}
    assert rows["cases.Case"] == Case.objects.count() == 60
    for case in Case.objects.all():
        assert states[case.state] == case.state_kind
        assert (case.ended_at is not None) == (case.state_kind != "open")
    outcome = audit_verify()
    assert outcome.ok, outcome.message
    # The next case opened through the services must not reuse a reference: each year's counter is at its last.
    numbers: dict[int, int] = {}
    for reference in Case.objects.values_list("reference", flat=True):
        _prefix, year, number = reference.split("-")
        numbers[int(year)] = max(numbers.get(int(year), 0), int(number))
    counters = CaseReferenceCounter.objects.filter(prefix=workflow.reference_prefix)
    assert {c.year: c.last_number for c in counters} == numbers
    person = Person.objects.order_by("pk").first()
    assert person.given_name == "Testa" and person.family_name.startswith("Persona ")


def test_waiting_referrals_show_in_the_inbox_and_can_be_accepted(generated):
    _world, riga, staff, _rows = generated
    supervisor = staff.supervisors[riga.pk]
    waiting = cases_generate.waiting_referrals(institution=riga, limit=100)
    assert len(waiting) >= 6
    assert Deadline.objects.filter(referral_id__in=waiting, status=Deadline.Status.RUNNING).count() == len(waiting)
    assert {r.pk for r in inbox(user=supervisor).referrals} >= set(waiting[:6])
    accepted = referral_accept(by=supervisor, referral_id=waiting[0])
    assert accepted.status == Referral.Status.ACCEPTED
    assert cases_visible_to(supervisor).filter(pk=accepted.case_id).exists()
    assert audit_verify().ok


def test_the_runner_measures_every_endpoint_over_http(tmp_path):
    output = tmp_path / "cases.json"
    command = [sys.executable, "benchmarks/cases_run.py", "--cases", "30,60", "--requests", "11", "--rounds", "1"]
    command += ["--clients", "2", "--output", str(output)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads(output.read_text())
    assert [result["sizes"][size]["cases"] for size in ("small", "large")] == [30, 60]
    for endpoint in ENDPOINTS:
        for size in ("small", "large"):
            measured = result["results"][endpoint][size]
            assert measured["requests"] > 0 and measured["errors"] == 0, (endpoint, size, measured)
            assert measured["p95_ms"] >= measured["p50_ms"] > 0
    assert result["verdict"]["errors"] == 0
    assert "cases_run.py --cases 30,60" in result["command"]
