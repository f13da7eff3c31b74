import random, time
from opennrm.stats.models import CaseFact, ReferralFact
from opennrm.stats.release import release_build
from tests.stats.test_release import publish_statistics

def test_scale(db, lv_pack_content):
    publish_statistics(lv_pack_content, dp=False)
    rng = random.Random(1)
    sexes = ["Feminine","Masculine","NonSpecifiedUnknown","TransgenderFeminine"]
    bands = ["0-8","9-17","18-20","21-23","24-26","27-29","30-38","39-47","48+","unknown"]
    forms = ["ForcedLabour","SexualExploitation","ForcedCriminality","ForcedBegging","Other","Servitude"]
    types = ["state_police","municipal_social_service","service_provider","state_border_guard","ngo",""]
    rows = [CaseFact(source="htcds", source_key=f"htcds:S{i}", pack_code="lv", year=rng.randint(2018,2024), month=1,
        sex=rng.choice(sexes), age_band=rng.choice(bands), is_child=rng.choice([True,False,None]),
        citizenship_group=rng.choice(["national","other_eu","non_eu","unknown"]), forms=sorted(rng.sample(forms, rng.randint(0,3))),
        recognising_type=rng.choice(types), region="riga_region", identification_route=rng.choice(["","commission","criminal_proceedings"]),
        outcome=rng.choice(["identified","in_progress","not_identified","refused","withdrawn"]),
        days_to_identification=rng.randint(1,400), days_to_service=rng.choice([None, rng.randint(1,300)])) for i in range(100000)]
    CaseFact.objects.bulk_create(rows, batch_size=5000)
    ReferralFact.objects.bulk_create([ReferralFact(year=2024, month=1, from_type=rng.choice(types), to_type=rng.choice(types), status="accepted",
        hours_to_answer=rng.choice([None, rng.randint(1,200)]), overdue=rng.random()<0.2) for _ in range(30000)], batch_size=5000)
    for public in (False, True):
        t = time.time(); r = release_build(year=2024, public=public); print("public" if public else "full", round(time.time()-t, 2))
    publish_statistics(lv_pack_content, dp=True)
    t = time.time(); r = release_build(year=2024, public=True); print("dp", round(time.time()-t, 2))
    print(sum(t.suppressed_count for t in r.tables.values() if hasattr(t, "cells")))
