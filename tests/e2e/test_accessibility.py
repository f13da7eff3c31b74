"""axe-core finds no serious or critical accessibility problem on the main pages (Latvian; the overview in all
three languages), for a visitor and for the coordinator's editor."""

import re
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, sign_in, url

PUBLIC_MODEL_PAGES = [
    "/lv/",
    "/lv/model/",
    "/en/model/",
    "/ru/model/",
    "/lv/model/stages/recognition/",
    "/lv/model/institution-types/municipal_social_service/",
    "/lv/model/print/",
    "/lv/model/versions/",
    "/lv/accounts/login/",
]


def _check(page, problems: dict, name: str) -> None:
    """Run axe on the page shown; also check that the page says which language it is in."""
    language = urlparse(page.url).path.split("/")[1]
    assert page.locator("html").get_attribute("lang") == language, name
    found = axe_violations(page)
    if found:
        problems[name] = found


def _report(problems: dict) -> str:
    return "\n".join(
        f"{name}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for name, found in problems.items()
        for v in found
    )


def test_public_model_pages(page, live_server, lv_model):
    problems: dict = {}
    for path in PUBLIC_MODEL_PAGES:
        response = page.goto(url(live_server, path))
        assert response.status == 200, path
        _check(page, problems, path)
    assert not problems, _report(problems)


def test_directory_pages(page, live_server, lv_directory):
    problems: dict = {}
    for path in ("/lv/directory/", "/lv/directory/institutions/lv-siva/"):
        response = page.goto(url(live_server, path))
        assert response.status == 200, path
        _check(page, problems, path)

    # "Who to call" with an answer, asked through its form.
    page.goto(url(live_server, "/lv/directory/who-to-call/"))
    page.select_option("#id_municipality", "riga")
    page.select_option("#id_stage", "recognition")
    page.check("input[name=population][value=adult]")
    page.check("input[name=nationality][value=third_country_national]")
    page.locator("form.who-to-call-form button[type=submit]").click()
    expect(page.locator("#who-to-call-results-heading")).to_be_visible()
    expect(page.locator("#who-to-call-results h3").first).to_be_visible()
    _check(page, problems, "who to call, with results")
    assert not problems, _report(problems)


def test_editor_pages(page, live_server, draft, coordinator):
    problems: dict = {}
    sign_in(page, live_server, username=coordinator.username, next_path="/lv/model/edit/")
    expect(page).to_have_url(re.compile(r"/lv/model/edit/$"))
    _check(page, problems, "editor landing")
    page.goto(url(live_server, f"/lv/model/versions/{draft.number}/draft/"))
    _check(page, problems, "draft")

    # The inline form, showing an error.
    entry = page.locator("#entry-municipal_social_service-recognition")
    entry.locator(".entry-actions a[hx-get]").first.click()
    expect(entry.locator("form")).to_be_visible()
    for box in entry.locator("input[name=functions]").all():
        box.uncheck()
    entry.locator("button[type=submit]").click()
    expect(page.locator("#id_functions_error")).to_be_visible()
    _check(page, problems, "draft with an entry form showing an error")

    for name, path in (("diff", "diff/"), ("publish", "publish/")):
        page.goto(url(live_server, f"/lv/model/versions/{draft.number}/{path}"))
        _check(page, problems, name)
    assert not problems, _report(problems)
