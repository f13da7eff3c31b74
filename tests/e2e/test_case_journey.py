"""An adult third-country national's case from the screening to the end of the social rehabilitation service, in a
real browser, in Latvian, through the pages only — each member of staff in their own browser:

the Riga social service's case manager screens the person and starts a referral, opens the case, records consent
and refers to the Marta centre; Marta's case manager accepts and the reflection period shows with its end date;
the centre's specialist commission identifies the person; SIVA accepts its referral and grants the service; the
centre starts it; and when its 180 days have run out, `opennrm tick` completes it and the follow-up consultations
begin.
"""

import re
from datetime import timedelta

import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from opennrm.cases.models import Case, Deadline, Referral
from tests.e2e.conftest import assert_latvian, sign_in

PDF = b"%PDF-1.4\n% komisijas lemums (testa dokuments)\n%%EOF\n"
CHECKLIST = [
    "action",
    "means",
    "purpose",
    "member_social_worker",
    "member_psychologist",
    "member_lawyer",
    "member_police_officer",
]
MARTA = "lv-provider-marta"
SIVA = "lv-siva"


def workflow_name(section: str, item_id: str) -> str:
    """The Latvian name of a state, deadline or purpose, read from the pack so the test follows the data."""
    data = yaml.safe_load((settings.OPENNRM_PACKS_DIR / "lv" / "workflow.yaml").read_text(encoding="utf-8"))
    return next(item["name"]["lv"] for item in data["workflow"][section] if item["id"] == item_id)


def latvian_date(moment) -> str:
    """A date as the Latvian pages write it (Django's Latvian DATE_FORMAT, in the installation's time zone)."""
    with translation.override("lv"):
        return date_format(timezone.localtime(moment), "DATE_FORMAT")


def submit(page) -> None:
    """Send the one form of a case's form page."""
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state()


def expect_case_page(page, reference: str) -> None:
    expect(page).to_have_url(re.compile(rf"/lv/cases/{reference}/$"))
    assert_latvian(page)
    # A refused form would come back with its error summary instead.
    expect(page.locator("main .errorlist")).to_have_count(0)


def expect_state(page, state_id: str) -> None:
    expect(page.locator(".case-state .status")).to_have_text(workflow_name("states", state_id))


def screen_adult_labour_forced_return(page) -> None:
    """The screening of an adult met in a forced-return procedure, labour set, every indicator answered yes."""
    page.locator("nav.site-nav a[href='/lv/screening/']").click()
    page.check("input[name=population][value=adult]")
    page.check("input[name=form][value=labour]")
    page.check("input[name=context][value=forced_return]")
    page.select_option("#id_municipality", "riga")
    page.locator("form.screening-start button[type=submit]").click()
    steps = 0
    while "/screening/result/" not in page.url:
        steps += 1
        assert steps < 30, "the screening never reached its result"
        for radio in page.locator("input[type=radio][value=yes]").all():
            radio.check()
        page.locator("button[name=action][value=next]").click()
        page.wait_for_load_state()
    expect(page.locator("#screening-outcome")).to_have_class(re.compile(r"\boutcome-indicative\b"))


def record_consent(page, reference: str, *, purpose: str, recipient: str, categories: list[str]) -> None:
    page.locator(f"a[href='/lv/cases/{reference}/consents/new/']").first.click()
    expect(page).to_have_url(re.compile(r"/consents/new/$"))
    page.check(f"input[name=purpose][value={purpose}]")
    for category in categories:
        page.check(f"input[name=data_categories][value={category}]")
    page.select_option("#id_recipient_institution", recipient)
    page.check("input[name=method][value=written]")
    # An adult gives consent themselves: the only choice, already chosen.
    expect(page.locator("input[name=given_by]")).to_have_count(1)
    expect(page.locator("input[name=given_by][value=person]")).to_be_checked()
    submit(page)
    expect_case_page(page, reference)


def refer(page, reference: str, *, to: str, purpose: str, categories: list[str], message: str) -> None:
    page.locator(f"a[href='/lv/cases/{reference}/referrals/new/']").first.click()
    expect(page).to_have_url(re.compile(r"/referrals/new/$"))
    page.select_option("#id_to_institution", to)
    page.check(f"input[name=purpose][value={purpose}]")
    expect(page.locator("input[name=urgency][value=normal]")).to_be_checked()
    for category in categories:
        page.check(f"input[name=data_scope][value={category}]")
    page.fill("#id_message", message)
    submit(page)
    expect_case_page(page, reference)


def accept_from_inbox(page, reference: str) -> None:
    """Find the referral of the case in the inbox, read it and accept it."""
    page.locator("nav.site-nav a[href='/lv/cases/inbox/']").click()
    expect(page).to_have_url(re.compile(r"/lv/cases/inbox/$"))
    row = page.locator("#referrals-heading + .table-wrap tbody tr", has_text=reference)
    expect(row).to_have_count(1)
    row.locator("a[href*='/lv/cases/referrals/']").click()
    expect(page).to_have_url(re.compile(r"/lv/cases/referrals/\d+/$"))
    expect(page.locator("main h1")).to_contain_text(reference)
    page.locator("main form[action$='/accept/'] button[type=submit]").click()
    expect_case_page(page, reference)


def perform_step(page, reference: str, transition: str) -> None:
    """Open a step of the workflow from the case page (its button is there only for those who may take it)."""
    page.locator(f"a[href='/lv/cases/{reference}/steps/{transition}/']").click()
    expect(page).to_have_url(re.compile(rf"/steps/{transition}/$"))
    assert_latvian(page)


def test_adult_third_country_national_from_screening_to_the_end_of_the_service(
    page, new_page, live_server, e2e_case_world
):
    world = e2e_case_world
    social = page

    # --- The Riga social service: screening, "start a referral", the new case ------------------------------------
    sign_in(social, live_server, username=world.social_worker.username, next_path="/lv/screening/")
    assert_latvian(social)
    screen_adult_labour_forced_return(social)
    social.locator(".start-referral button[type=submit]").click()
    expect(social).to_have_url(re.compile(r"/lv/cases/new/\?"))
    assert_latvian(social)
    # Pre-filled from the screening: only codes travelled, nothing about the person.
    expect(social.locator("#screening-heading")).to_be_visible()
    expect(social.locator("input[name=population][value=adult]")).to_be_checked()
    expect(social.locator("input[name=nationality][value=third_country_national]")).to_be_checked()
    expect(social.locator("input[name=forms][value=ForcedLabour]")).to_be_checked()
    expect(social.locator("#id_municipality")).to_have_value("riga")
    expect(social.locator("#id_given_name")).to_have_value("")
    social.fill("#id_given_name", "Testa")
    social.fill("#id_family_name", "Persona")
    social.fill("#id_birth_date", "1990-01-01")
    social.fill("#id_countries", "LV, UA")
    social.fill("#id_citizenship", "UA")
    social.locator("main form[action$='/cases/new/'] button[type=submit]").click()
    expect(social).to_have_url(re.compile(r"/lv/cases/LV-\d{4}-\d{6}/$"))
    reference = re.search(r"/cases/(LV-\d{4}-\d{6})/", social.url).group(1)
    expect_state(social, "recognised")
    expect(social.locator("#person + dl")).to_contain_text("Testa")
    case = Case.objects.get(reference=reference)
    assert case.screening_id is not None
    assert (case.nationality, case.population) == ("third_country_national", "adult")

    # Consent, in writing: identification by the Marta centre, and the social rehabilitation service from SIVA.
    record_consent(
        social,
        reference,
        purpose="identification",
        recipient=MARTA,
        categories=["identity", "contacts", "circumstances"],
    )
    record_consent(social, reference, purpose="social_rehabilitation", recipient=SIVA, categories=["identity"])
    expect(social.locator("#consents + .table-wrap tbody tr")).to_have_count(2)
    expect(social.locator("#consents + .table-wrap")).to_contain_text(
        workflow_name("consent_purposes", "identification")
    )

    # The referral to Marta: the case is referred and the reflection period starts.
    refer(
        social,
        reference,
        to=MARTA,
        purpose="identification",
        categories=["identity", "contacts", "circumstances"],
        message="Persona piekrita tikties ar centra speciālistiem (testa ziņa).",
    )
    expect_state(social, "referred")
    expect(social.locator("#referrals + .table-wrap tbody tr")).to_have_count(1)

    # --- The Marta centre's case manager, on another computer: the inbox, the referral, acceptance ---------------
    provider = new_page()
    sign_in(provider, live_server, username=world.provider_worker.username, next_path="/lv/cases/")
    accept_from_inbox(provider, reference)
    expect_state(provider, "identification")
    # Acceptance brought the person's identity, within the referral's scope.
    expect(provider.locator("#person + dl")).to_contain_text("Persona")
    # The reflection period: 30 days from the day the case was opened (and referred), in the Latvian date format.
    case.refresh_from_db()
    reflection_end = latvian_date(case.opened_at + timedelta(days=30))
    reflection = provider.locator("ul.deadlines li", has_text=workflow_name("deadlines", "reflection_period"))
    expect(reflection).to_have_count(1)
    expect(reflection).to_contain_text(reflection_end)
    reflection_deadline = Deadline.objects.get(case=case, kind="reflection_period")
    assert latvian_date(reflection_deadline.due_at) == reflection_end

    # --- The centre's head of unit assigns the commission member ----------------------------------------------
    head = new_page()
    sign_in(head, live_server, username=world.provider_supervisor.username, next_path=f"/lv/cases/{reference}/")
    expect_case_page(head, reference)
    head.locator(f"a[href='/lv/cases/{reference}/assign/']").click()
    head.select_option("#id_user", str(world.commission_member.pk))
    submit(head)
    expect_case_page(head, reference)

    # --- The specialist commission identifies the person: every criterion, the reasons, the decision ------------
    commission = new_page()
    sign_in(commission, live_server, username=world.commission_member.username, next_path="/lv/cases/")
    commission.locator(f"main a[href='/lv/cases/{reference}/']").first.click()
    expect_case_page(commission, reference)
    perform_step(commission, reference, "identify_by_commission")
    boxes = commission.locator("input[name=checklist]")
    expect(boxes).to_have_count(len(CHECKLIST))
    for item in CHECKLIST:
        commission.check(f"input[name=checklist][value={item}]")
    commission.fill("#id_reason", "Komisija izvērtēja visus kritērijus; tie ir izpildīti (testa pamatojums).")
    commission.set_input_files(
        "#id_document", files=[{"name": "komisijas-lemums.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    submit(commission)
    expect_case_page(commission, reference)
    expect_state(commission, "identified")
    # The decision is kept with the case, encrypted, and listed for the parties that see the circumstances.
    expect(commission.locator("#documents + ul")).to_contain_text("komisijas-lemums.pdf")
    # The reflection period ends with the identification.
    assert Deadline.objects.get(pk=reflection_deadline.pk).status != Deadline.Status.RUNNING

    # --- The social worker refers the case to SIVA, with the consent recorded at the start -----------------------
    social.reload()
    expect_state(social, "identified")
    refer(
        social,
        reference,
        to=SIVA,
        purpose="social_rehabilitation",
        categories=["identity"],
        # No message: it would tell SIVA about the circumstances, which this consent does not cover.
        message="",
    )
    assert Referral.objects.get(case=case, to_institution__code=SIVA).status == Referral.Status.SENT

    # --- SIVA's case manager accepts and grants the service ------------------------------------------------------
    siva = new_page()
    sign_in(siva, live_server, username=world.siva_worker.username, next_path="/lv/cases/")
    accept_from_inbox(siva, reference)
    expect_state(siva, "identified")
    perform_step(siva, reference, "grant_service")
    submit(siva)
    expect_case_page(siva, reference)
    expect_state(siva, "service_granted")

    # --- The Marta centre starts the social rehabilitation service ------------------------------------------------
    provider.reload()
    expect_state(provider, "service_granted")
    perform_step(provider, reference, "start_rehabilitation")
    submit(provider)
    expect_case_page(provider, reference)
    expect_state(provider, "rehabilitation")
    service_name = workflow_name("deadlines", "rehabilitation_service")
    service = provider.locator("ul.deadlines li", has_text=service_name)
    expect(service).to_have_count(1)
    expect(service).to_contain_text(latvian_date(timezone.now() + timedelta(days=180)))

    # --- The 180 days run out ------------------------------------------------------------------------------------
    # Test-only time travel: the service's end is moved into the past instead of waiting 180 days; `opennrm tick`
    # (run by cron in production) then ends the period and performs the transition the pack names.
    moved = Deadline.objects.filter(case=case, kind="rehabilitation_service", status=Deadline.Status.RUNNING).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert moved == 1
    call_command("tick")
    provider.reload()
    expect_state(provider, "completed")
    follow_up = provider.locator("ul.deadlines li", has_text=workflow_name("deadlines", "follow_up_consultations"))
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text(latvian_date(timezone.now() + timedelta(days=730)))
    expect(follow_up).to_contain_text("5")
    # The timeline tells the whole story, newest step last.
    expect(provider.locator("ol.timeline li").last).to_contain_text(workflow_name("states", "completed"))
