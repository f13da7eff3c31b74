"""The recognition screening tool in a real browser, on the real Latvian pack and demo directory:
a child sham-marriage screening in Latvian and a forced-return screening in Russian reach the explanation and
"who to call"; axe-core finds no serious or critical problem on the tool's pages."""

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, url


def _choose_situation(page, *, population: str, form: str, context: str, municipality: str) -> None:
    page.check(f"input[name=population][value={population}]")
    page.check(f"input[name=form][value={form}]")
    page.check(f"input[name=context][value={context}]")
    page.select_option("#id_municipality", municipality)
    page.locator("form.screening-start button[type=submit]").click()
    page.wait_for_load_state()


def _answer_every_step_yes(page, problems: list | None = None) -> int:
    """Answer yes to every question, step by step, with the keyboard-reachable radios; the number of steps."""
    steps = 0
    while "/screening/result/" not in page.url:
        steps += 1
        assert steps < 30, "the screening never reached its result"
        expect(page.locator(".screening-progress")).to_contain_text(str(steps))
        if problems is not None and steps == 1:
            problems.extend(axe_violations(page))
        for radio in page.locator("input[type=radio][value=yes]").all():
            radio.check()
        page.locator("button[name=action][value=next]").click()
        page.wait_for_load_state()
    return steps


def test_child_sham_marriage_screening_in_latvian(page, live_server, lv_directory):
    problems: list = []
    page.goto(url(live_server, "/lv/screening/"))
    assert page.locator("html").get_attribute("lang") == "lv"
    problems.extend(axe_violations(page))
    _choose_situation(page, population="child", form="sexual", context="sham_marriage", municipality="riga")
    sets = page.locator(".screening-sets").inner_text()
    assert "fikt" in sets.lower() or "laulīb" in sets.lower(), sets  # the sham-marriage set is asked
    steps = _answer_every_step_yes(page, problems)
    assert steps >= 2

    # The explanation: outcome in words, not an identification, why per dimension, who to call in Rīga.
    expect(page.locator("#screening-outcome")).to_be_visible()
    assert page.locator(".set-result").count() == 2
    assert page.locator("table.dimensions tbody tr").count() > 0
    expect(page.locator(".screening-disclaimer")).to_be_visible()
    assert page.locator("#who-to-call .who-to-call-entry").count() > 0
    # A visitor who is not signed in is offered the sign-in, not a button that would open a case.
    assert page.locator(".start-referral button").count() == 0
    expect(page.locator("#referral-unavailable a")).to_be_visible()
    problems.extend(axe_violations(page))
    assert not problems, problems


def test_forced_return_screening_in_russian(page, live_server, lv_directory):
    problems: list = []
    page.goto(url(live_server, "/ru/screening/"))
    assert page.locator("html").get_attribute("lang") == "ru"
    _choose_situation(page, population="adult", form="labour", context="forced_return", municipality="riga")
    _answer_every_step_yes(page, problems)
    assert page.locator("html").get_attribute("lang") == "ru"
    expect(page.locator("#screening-outcome")).to_have_class("screening-outcome outcome-indicative")
    assert page.locator(".set-result").count() == 2
    assert page.locator(".missing li").count() == 0
    # A forced return concerns a third-country national: who to call lists the institutions for that.
    entries = page.locator("#who-to-call .who-to-call-entry")
    assert entries.count() > 0
    problems.extend(axe_violations(page))
    assert not problems, problems


def test_print_pages_and_no_javascript(page, page_no_js, live_server, lv_model):
    problems: list = []
    for set_id in ("child_sexual", "sham_marriage", "forced_return"):
        response = page.goto(url(live_server, f"/lv/screening/print/{set_id}/"))
        assert response.status == 200, set_id
        assert page.locator("td.box").count() > 0
        problems.extend(axe_violations(page))
    assert not problems, problems

    # Without JavaScript the whole screening still works: plain forms from start to result.
    page_no_js.goto(url(live_server, "/lv/screening/"))
    page_no_js.check("input[name=population][value=adult]")
    page_no_js.check("input[name=form][value=not_sure]")
    page_no_js.check("input[name=context][value=general]")
    page_no_js.locator("form.screening-start button[type=submit]").click()
    page_no_js.wait_for_load_state()
    _answer_every_step_yes(page_no_js)
    expect(page_no_js.locator("#screening-outcome")).to_be_visible()
