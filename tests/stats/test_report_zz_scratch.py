from tests.stats.test_report import seed_year
from opennrm.stats.release import release_build
from opennrm.stats.exports import release_views

def test_show(case_world, make_fact):
    seed_year(make_fact)
    r = release_build(year=2024)
    for v in release_views(r):
        print("==", v.caption, v.columns)
        for row in (*v.rows, *v.footer):
            print("   ", row.label, row.texts)
