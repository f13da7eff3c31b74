"""axe-core on the pages of cases and referrals, in Latvian, at a small laptop's 1366×768, each with real data:
no serious or critical violation anywhere.

The cases are made through the services (the journeys in test_case_journey.py and test_child_case.py drive the
same steps through the pages); every page is then opened by the member of staff who uses it.
"""

import re

from django.utils import timezone
from playwright.sync_api import expect

from opennrm.cases.services.cases import case_assign
from opennrm.cases.services.work import document_upload, note_add, task_create
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.cases.steps import PDF, consent, open_case, refer, to_identification
from tests.e2e.conftest import assert_latvian, axe_violations, sign_in, url


def check(page, problems: dict, name: str) -> None:
    """Run axe-core on the page as it is now and keep what it finds under the page's name."""
    assert_latvian(page)
    found = axe_violations(page)
    if found:
        problems[name] = found


def cases_with_data(world):
    """A case being identified at the Marta centre, with consent, referral, deadlines, a note, a task and the
    commission's decision document; a second case whose referral to Marta waits for an answer; and a case of the
    same person at another municipality's social service, which a search points to without showing it."""
    identified, _ = to_identification(world)
    case_assign(by=world.provider_supervisor, case=identified, user=world.commission_member)
    document_upload(
        by=world.provider_worker,
        case=identified,
        filename="komisijas-lemums.pdf",
        content_type="application/pdf",
        content=PDF,
    )
    note_add(by=world.social_worker, case=identified, body="Tikšanās ar tulku notika centrā (testa piezīme).")
    task_create(
        by=world.social_worker,
        case=identified,
        title="Sazināties ar centru (testa uzdevums)",
        assignee=world.social_worker,
        due_on=timezone.localdate(),
    )
    waiting = open_case(world)
    consent(world, waiting, recipient_institution=world.institution("lv-provider-marta"))
    referral = refer(world, waiting)
    open_case(world, by=world.other_social_worker)
    return identified, waiting, referral


def test_cases_pages_have_no_serious_accessibility_problems(page, new_page, live_server, e2e_case_world):
    world = e2e_case_world
    identified, waiting, referral = cases_with_data(world)
    problems: dict[str, list] = {}

    # --- The social worker who recognised the person ------------------------------------------------------------
    social = page
    sign_in(social, live_server, username=world.social_worker.username, next_path="/lv/cases/inbox/")
    expect(social).to_have_url(re.compile(r"/lv/cases/inbox/$"))
    check(social, problems, "inbox (social worker)")

    social.goto(url(live_server, "/lv/cases/"))
    expect(social.locator("main table.case-list tbody tr")).to_have_count(2)
    check(social, problems, "case list")

    social.goto(url(live_server, "/lv/cases/new/"))
    check(social, problems, "new case form")
    social.locator("main form[action$='/cases/new/'] button[type=submit]").click()
    expect(social.locator("#error-summary")).to_be_visible()
    check(social, problems, "new case form with errors")

    social.goto(url(live_server, f"/lv/cases/{identified.reference}/"))
    expect(social.locator("ol.timeline li").first).to_be_visible()
    expect(social.locator("#notes ~ article").first).to_be_visible()
    check(social, problems, "case page")

    social.goto(url(live_server, f"/lv/cases/{identified.reference}/consents/new/"))
    check(social, problems, "consent form")
    social.locator("main form[method=post] button[type=submit]").click()
    expect(social.locator("#error-summary")).to_be_visible()
    check(social, problems, "consent form with errors")

    social.goto(url(live_server, f"/lv/cases/{identified.reference}/referrals/new/"))
    check(social, problems, "referral form")

    social.goto(url(live_server, "/lv/cases/search/"))
    check(social, problems, "search page")
    social.fill("#id_given_name", SYNTHETIC_PERSON.given_name)
    social.fill("#id_family_name", SYNTHETIC_PERSON.family_name)
    social.fill("#id_birth_date", SYNTHETIC_PERSON.birth_date)
    social.locator("main form[role=search] button[type=submit]").click()
    expect(social.locator("#search-results")).to_be_visible()
    check(social, problems, "search results")

    # --- The Marta centre's case manager: the referral waiting for an answer ------------------------------------
    provider = new_page()
    sign_in(provider, live_server, username=world.provider_worker.username, next_path="/lv/cases/inbox/")
    expect(provider.locator(f"main a[href='/lv/cases/referrals/{referral.pk}/']")).to_be_visible()
    check(provider, problems, "inbox (receiving institution)")
    provider.goto(url(live_server, f"/lv/cases/referrals/{referral.pk}/"))
    expect(provider.locator("main form[action$='/accept/']")).to_be_visible()
    check(provider, problems, "referral page (receiving side)")

    # --- The specialist commission's member: the step with the checklist ----------------------------------------
    commission = new_page()
    step = f"/lv/cases/{identified.reference}/steps/identify_by_commission/"
    sign_in(commission, live_server, username=world.commission_member.username, next_path=step)
    expect(commission.locator("input[name=checklist]").first).to_be_visible()
    check(commission, problems, "transition form with checklist")
    commission.locator("main form[method=post] button[type=submit]").click()
    expect(commission.locator("#error-summary")).to_be_visible()
    check(commission, problems, "transition form with errors")

    # --- The national coordinator: counts only ----------------------------------------------------------------
    coordinator = new_page()
    sign_in(coordinator, live_server, username=world.coordinator.username, next_path="/lv/cases/oversight/")
    expect(coordinator).to_have_url(re.compile(r"/lv/cases/oversight/$"))
    check(coordinator, problems, "oversight page")

    assert not problems, problems
