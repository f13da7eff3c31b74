import random, time
import pytest
from opennrm.stats import release as rel
from opennrm.stats.disclosure import audit

@pytest.fixture
def defs(lv_definitions, monkeypatch):
    monkeypatch.setattr(rel, "statistics_definitions", lambda: lv_definitions)
    return lv_definitions

def test_smoke(defs, make_fact, db, tmp_path, monkeypatch):
    rng = random.Random(3)
    for i in range(300):
        make_fact(year=rng.choice([2021,2022,2023,2024]), sex=rng.choice(["Feminine","Masculine","NonSpecifiedUnknown"]),
                  age_band=rng.choice(["9-17","18-20","30-38","unknown"]), is_child=rng.choice([True,False,None]),
                  citizenship_group=rng.choice(["national","other_eu","non_eu"]),
                  forms=rng.sample(["ForcedLabour","SexualExploitation","ForcedCriminality","Other"], rng.randint(0,2)),
                  outcome=rng.choice(["identified","in_progress","not_identified","refused"]),
                  identification_route=rng.choice(["","commission","criminal_proceedings"]),
                  days_to_identification=rng.randint(1,100), recognising_type=rng.choice(["state_police","social_service","service_provider",""]))
    t=time.time()
    r = rel.release_build(year=2024)
    print("build", time.time()-t)
    c = rel._Counter(defs, year_from=2020, year=2024, bounded=False)
    ex = audit([t for t in r.tables.values() if hasattr(t, "cells")], threshold=5, coarsenings=c.coarsenings())
    assert not ex
    t=time.time()
    r3 = rel.release_build(year=2024, public=True)
    print("public", time.time()-t, r3.dp)
    from opennrm.stats import eurostat
    monkeypatch.setattr(eurostat, "statistics_definitions", lambda: defs)
    files = eurostat.eurostat_write(year=2024, directory=tmp_path / "es")
    for f in files: print(f.name); print(f.read_text()[:700])
