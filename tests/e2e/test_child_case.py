"""A child's case in a real browser, in Latvian: the orphan's court and the Children's Rights Inspectorate take part
from the moment the case is opened, consent is given by the legal representative or the orphan's court (the form
offers nothing else, and the server refuses anything else), and the orphan's court sees the case."""

import re

from playwright.sync_api import expect

from opennrm.cases.models import Case, CaseParty, Consent
from tests.e2e.conftest import assert_latvian, sign_in
from tests.e2e.test_case_journey import expect_case_page, expect_state, submit

ORPHANS_COURT = "lv-orphans-court-riga"
INSPECTORATE = "lv-children-rights-inspectorate"


def latvian_name(institution) -> str:
    return institution.names["lv"]


def test_child_case_involves_the_orphans_court_and_the_inspectorate(page, new_page, live_server, e2e_case_world):
    world = e2e_case_world
    social = page

    # --- The Riga social service opens a child's case -----------------------------------------------------------
    sign_in(social, live_server, username=world.social_worker.username, next_path="/lv/cases/new/")
    expect(social).to_have_url(re.compile(r"/lv/cases/new/$"))
    assert_latvian(social)
    social.check("input[name=population][value=child]")
    social.check("input[name=nationality][value=national]")
    social.select_option("#id_municipality", "riga")
    social.check("input[name=forms][value=ChildLabour]")
    social.fill("#id_given_name", "Demo")
    social.fill("#id_family_name", "Bērns")
    social.fill("#id_birth_date", "2012-05-05")
    social.locator("main form[action$='/cases/new/'] button[type=submit]").click()
    expect(social).to_have_url(re.compile(r"/lv/cases/LV-\d{4}-\d{6}/$"))
    reference = re.search(r"/cases/(LV-\d{4}-\d{6})/", social.url).group(1)
    expect_state(social, "recognised")

    # Both institutions the law puts beside a child are parties already, without a referral.
    parties = social.locator("#parties + .table-wrap tbody tr")
    expect(parties).to_have_count(3)
    for code in (ORPHANS_COURT, INSPECTORATE):
        expect(parties.filter(has_text=latvian_name(world.institution(code)))).to_have_count(1)
    case = Case.objects.get(reference=reference)
    involved = set(case.parties.filter(reason=CaseParty.Reason.CHILD).values_list("institution__code", flat=True))
    assert involved == {ORPHANS_COURT, INSPECTORATE}

    # --- Consent for a child: the legal representative or the orphan's court, no one else -----------------------
    social.locator(f"a[href='/lv/cases/{reference}/consents/new/']").first.click()
    expect(social).to_have_url(re.compile(r"/consents/new/$"))
    givers = social.locator("input[name=given_by]")
    expect(givers).to_have_count(2)
    assert {givers.nth(i).get_attribute("value") for i in range(2)} == {"legal_representative", "orphans_court"}

    social.check("input[name=purpose][value=assistance]")
    social.check("input[name=data_categories][value=identity]")
    social.select_option("#id_recipient_type", "service_provider")
    social.check("input[name=method][value=written]")
    # A forged answer ("the child consented") is refused by the server, next to the field.
    social.evaluate("() => { document.querySelector('input[name=given_by]').value = 'person'; }")
    givers.first.check()
    submit(social)
    expect(social.locator("#id_given_by-error")).to_be_visible()
    assert not Consent.objects.filter(case=case).exists()

    social.check("input[name=given_by][value=legal_representative]")
    social.fill("#id_giver_details", "Likumiskais pārstāvis: Demo Pārstāvis (testa dati)")
    submit(social)
    expect_case_page(social, reference)
    expect(social.locator("#consents + .table-wrap tbody tr")).to_have_count(1)
    assert Consent.objects.get(case=case).given_by == Consent.Giver.LEGAL_REPRESENTATIVE

    # --- The orphan's court's head of unit sees the case among the court's cases --------------------------------
    court = new_page()
    sign_in(court, live_server, username=world.orphans_court_supervisor.username, next_path="/lv/cases/")
    expect(court).to_have_url(re.compile(r"/lv/cases/$"))
    assert_latvian(court)
    court.locator(f"main a[href='/lv/cases/{reference}/']").click()
    expect_case_page(court, reference)
    expect_state(court, "recognised")
    expect(
        court.locator("#parties + .table-wrap tbody tr", has_text=latvian_name(world.institution(ORPHANS_COURT)))
    ).to_have_count(1)
