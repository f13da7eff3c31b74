"""Signing in with two factors in the browser, and switching the language of a page."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from opennrm.accounts.models import User
from tests.e2e.conftest import assert_latvian, sign_in, url, user_with_role

TARGET = "/lv/accounts/tokens/"
# The stage's names as the pack gives them (data, not UI strings, so they do not wait for translators).
STAGE_NAME = {"lv": "Atpazīšana", "en": "Recognition", "ru": "Распознавание"}


@pytest.fixture
def case_manager(lv_model):
    """A role that sees personal data, so the second factor is compulsory; the authenticator is set up."""
    user = user_with_role("case_manager", username="e2e.casemanager")
    assert user.requires_two_factor
    TOTPDevice.objects.create(user=user, name="e2e authenticator", confirmed=True)
    return user


def _current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_personal_data_role_signs_in_with_a_code(page, live_server, case_manager):
    sign_in(page, live_server, username=case_manager.username, next_path=TARGET, second_step=False)
    # The password alone opens nothing: the second step is asked for, and nothing else opens meanwhile.
    expect(page).to_have_url(re.compile(r"/lv/accounts/two-step/\?next="))
    assert_latvian(page)
    page.goto(url(live_server, TARGET))
    expect(page).to_have_url(re.compile(r"/lv/accounts/two-step/\?next="))

    # A wrong code is refused, with the error tied to the field.
    wrong = f"{(int(_current_code(case_manager)) + 500_000) % 1_000_000:06d}"
    page.fill("#id_token", wrong)
    page.locator("main form[action$='/two-step/'] button[type=submit]").click()
    expect(page.locator("#id_token_error")).to_be_visible()
    assert "id_token_error" in (page.locator("#id_token").get_attribute("aria-describedby") or "")
    # After a wrong code django-otp refuses every code for a moment; stand in for waiting it out.
    TOTPDevice.objects.get(user=case_manager).throttle_reset()

    page.fill("#id_token", _current_code(case_manager))
    page.locator("main form[action$='/two-step/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(TARGET)}$"))
    assert_latvian(page)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("form[action$='/accounts/logout/']").first).to_be_attached()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_language_switcher_keeps_the_page_without_javascript(page_no_js, live_server, lv_model, language):
    page = page_no_js
    path = "/model/stages/recognition/"
    page.goto(url(live_server, f"/lv{path}"))
    assert_latvian(page)
    expect(page.locator("main h1")).to_contain_text(STAGE_NAME["lv"])

    page.select_option("#language-select", language)
    page.locator("form.language-switcher button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{language}{re.escape(path)}$"))
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#language-select option[selected]").get_attribute("value") == language
    # The same stage, now named in the other language.
    expect(page.locator("main h1")).to_contain_text(STAGE_NAME[language])

    # And back again.
    page.select_option("#language-select", "lv")
    page.locator("form.language-switcher button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/lv{re.escape(path)}$"))
    expect(page.locator("main h1")).to_contain_text(STAGE_NAME["lv"])
