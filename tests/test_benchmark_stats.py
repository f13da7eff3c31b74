"""The statistics benchmark works end to end at a tiny size: the generator writes facts the release counts, and the
runner serves them over HTTP and reports every endpoint. Timings are never asserted (benchmarks/README.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import stats_generate
from benchmarks.stats_report import ALL_HTTP, IN_PROCESS
from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.models import CaseFact, ReferralFact, ScreeningFact
from opennrm.stats.release import release_build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def generated(case_world):
    return stats_generate.facts_generate(cases=300, seed=3, reference_year=2025)


def test_generated_facts_use_the_pack_categories_over_five_years(generated):
    assert generated.year == 2025 and generated.years == [2021, 2022, 2023, 2024, 2025]
    assert generated.rows == {
        "stats.CaseFact": CaseFact.objects.count(),
        "stats.ReferralFact": ReferralFact.objects.count(),
        "stats.ScreeningFact": ScreeningFact.objects.count(),
    }
    assert CaseFact.objects.count() == 300 and ScreeningFact.objects.count() == 450
    assert set(CaseFact.objects.values_list("year", flat=True)) == set(generated.years)
    assert not CaseFact.objects.filter(case__isnull=False).exists()
    dims = statistics_definitions().dimensions
    assert set(CaseFact.objects.values_list("sex", flat=True)) <= set(dims["sex"].codes)
    assert set(CaseFact.objects.values_list("region", flat=True)) <= {*dims["region"].codes, "unknown"}
    for fact in CaseFact.objects.all():
        assert fact.forms == sorted(fact.forms) and set(fact.forms) <= set(dims["form"].codes)
        assert fact.is_child == (None if fact.age_band == "unknown" else fact.age_band in {"0-8", "9-17"})
        assert (fact.days_to_identification is not None) == (fact.outcome == "identified")
        assert fact.referral_facts.count() <= len(fact.pathway)
    # Referrals follow their case, never into a year after the reference year.
    assert ReferralFact.objects.filter(case_fact__isnull=True).count() == 0
    assert max(ReferralFact.objects.values_list("year", flat=True)) <= 2025
    assert all(CaseFact.objects.get(pk=pk).year == 2025 for pk in generated.touchable)


def test_the_release_counts_the_generated_facts(generated):
    release = release_build(year=generated.year)
    victims = CaseFact.objects.filter(
        year=generated.year, outcome__in=statistics_definitions().registered_victims.outcomes
    ).count()
    by_age = release.table("victims_by_age_sex")
    # Suppression may hide cells, but the total of 60-odd victims of the year is shown and exact.
    assert by_age.total.count == victims > 0
    assert release.table("pathway").total.count == ReferralFact.objects.filter(year=generated.year).count()


def test_touching_a_fact_makes_the_cached_release_stale(generated):
    from django.core.cache import cache

    from opennrm.stats.report import release_current

    cache.clear()
    total = release_current(year=generated.year).table("victims_by_age_sex").total.count
    fact = CaseFact.objects.get(pk=generated.touchable[0])
    changed = "identified" if fact.outcome == "not_identified" else "not_identified"
    # A write that bypasses the services is not seen: the cache keys on the revision of the year's facts, which
    # the services (and the benchmark's touch) give a new value with every write.
    CaseFact.objects.filter(pk=fact.pk).update(outcome=changed)
    assert release_current(year=generated.year).table("victims_by_age_sex").total.count == total
    stats_generate.facts_touch(fact.pk)
    rebuilt = release_current(year=generated.year).table("victims_by_age_sex").total.count
    assert rebuilt == total + (1 if changed == "identified" else -1)


def test_the_runner_measures_every_endpoint_over_http(tmp_path):
    output = tmp_path / "stats.json"
    command = [sys.executable, "benchmarks/stats_run.py", "--sizes", "200,400", "--requests", "12", "--rounds", "1"]
    command += ["--clients", "2", "--workers", "1", "--build-runs", "1", "--cold-runs", "1", "--pdf-runs", "0"]
    command += ["--output", str(output)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads(output.read_text())
    assert [result["sizes"][size]["case_facts"] for size in ("small", "large")] == [200, 400]
    assert result["sizes"]["large"]["rows"]["stats.CaseFact"] == 400
    for endpoint in ALL_HTTP:
        for size in ("small", "large"):
            measured = result["results"][endpoint][size]
            if endpoint == "report_pdf":  # --pdf-runs 0
                assert measured["requests"] == 0
                continue
            assert measured["requests"] > 0 and measured["errors"] == 0, (endpoint, size, measured)
            assert measured["p95_ms"] >= measured["p50_ms"] > 0
            assert measured["queries"] > 0 and measured["bytes"] > 0
    for kind in IN_PROCESS:
        assert result["in_process"][kind]["large"]["requests"] >= 1
    # A warm request reads no fact row-by-row: the same statements whatever the size.
    assert result["verdict"]["queries_grow"] == []
    assert result["verdict"]["errors"] == 0
    assert set(result["verdict"]["cold_build_p95_ms_at_large"]) == {"release_build_internal", "release_build_public_dp"}
    assert "stats_run.py --sizes 200,400" in result["command"]


def test_the_runner_refuses_bad_options():
    finished = subprocess.run(
        [sys.executable, "benchmarks/stats_run.py", "--sizes", "100000,10000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "--sizes" in finished.stderr and "at most the large" in finished.stderr
