"""Real-browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium) against a live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's synchronous API runs an event loop in the test thread; Django's ORM calls made by the test itself
# (fixtures, assertions on the database) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("OPENNRM_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# axe-core is injected as an inline script, which the site's Content-Security-Policy (rightly) refuses; the test
# browser lets it through. The policy itself is checked in tests/core/test_security_headers.py.
AXE_NEEDS_INLINE_SCRIPT = True
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: run scripts/system-deps.sh as root."
        if os.environ.get("OPENNRM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # A small laptop's screen: the UI must be usable at this size.
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="lv-LV", bypass_csp=AXE_NEEDS_INLINE_SCRIPT
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the current page and return the violations of the given impacts."""
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make install does).")
    page.add_script_tag(path=str(AXE_JS))
    # Only the violations are needed; leaving out the passes makes a run several times faster on long pages.
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in impacts
    ]


# ---- data and helpers shared by the browser tests --------------------------------------------------------------
# Every test runs against `live_server` with a transactional database that is emptied after it, so the data is
# built again per test: the Latvian pack is loaded and published the way production does it (about a second),
# the demo directory (another second) only where a page needs institutions.

LANGUAGE = "lv"


@pytest.fixture
def page_no_js(browser):
    """A page in a browser context with JavaScript switched off: what a locked-down office browser shows."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="lv-LV", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def anonymous_page(browser):
    """A second, separate browser context (own cookies): a visitor who is not signed in."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="lv-LV", bypass_csp=AXE_NEEDS_INLINE_SCRIPT
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def lv_model(transactional_db, settings):
    """Version 1 of the Latvian pack, published (as `opennrm setup` does); its roles are synced to accounts.Role."""
    from opennrm.jurisdiction.services import pack_load, version_publish

    version = pack_load(path=settings.OPENNRM_PACKS_DIR / "lv")
    return version_publish(version=version, change_note="Pirmā versija (testa dati).", by=None)


@pytest.fixture
def lv_directory(lv_model, settings):
    """The synthetic demo directory of the Latvian pack: institutions, units and contact points."""
    from opennrm.directory.demo import demo_directory_load

    return demo_directory_load(path=settings.OPENNRM_PACKS_DIR / "lv" / "demo" / "directory.yaml")


def user_with_role(role_code: str, *, username: str):
    """A user holding one of the pack's roles (synced from roles.yaml when the pack was published).

    A role restricted to some institution types only counts for staff of such an institution, so the user is
    placed in one of the first type the role allows.
    """
    from opennrm.accounts.models import Role
    from tests.factories import InstitutionFactory, InstitutionTypeFactory, UnitFactory, UserFactory

    role = Role.objects.get(code=role_code)
    if role.institution_types:
        kind = InstitutionTypeFactory(code=role.institution_types[0])
        unit = UnitFactory(institution=InstitutionFactory(code=f"e2e-{username.replace('.', '-')}", type=kind))
    else:
        unit = UnitFactory()
    return UserFactory(username=username, unit=unit, roles=[role])


@pytest.fixture
def coordinator(lv_model):
    return user_with_role("national_coordinator", username="e2e.coordinator")


@pytest.fixture
def working_group_member(lv_model):
    return user_with_role("working_group_member", username="e2e.workgroup")


@pytest.fixture
def draft(lv_model, coordinator):
    """Version 2: a draft copied from the published version 1."""
    from django.conf import settings as django_settings

    from opennrm.jurisdiction.services import draft_create

    return draft_create(pack_code=django_settings.OPENNRM_PACK, by=coordinator)


def url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def current_code(secret_or_key: bytes) -> str:
    """The authenticator app's code for a TOTP key (raw bytes), as django-otp computes it."""
    from django_otp.oath import totp

    return f"{totp(secret_or_key, step=30, t0=0, digits=6):06d}"


def sign_in(
    page, live_server, *, username: str, password: str | None = None, next_path: str = "", second_step: bool = True
) -> None:
    """Fill in and send the real sign-in form (in Latvian), optionally asking to go on to `next_path`.

    When OpenNRM asks for the second step, answer it as a person would: on first sign-in read the key shown on
    the set-up page (as if typed into an authenticator app); later, with the key of the confirmed authenticator.
    """
    from base64 import b32decode
    from urllib.parse import urlencode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import TEST_PASSWORD

    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    page.goto(url(live_server, f"/{LANGUAGE}/accounts/login/{query}"))
    page.fill("#id_username", username)
    page.fill("#id_password", password or TEST_PASSWORD)
    page.locator("main form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state()
    if not second_step:
        return
    if "/accounts/two-step/setup/" in page.url:
        secret = page.locator(".otp-secret").inner_text().replace(" ", "")
        page.fill("#id_token", current_code(b32decode(secret)))
        page.locator("main form[action$='/two-step/setup/'] button[type=submit]").click()
        page.wait_for_load_state()
    elif "/accounts/two-step/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("#id_token", current_code(device.bin_key))
        page.locator("main form[action$='/two-step/'] button[type=submit]").click()
        page.wait_for_load_state()


def assert_latvian(page) -> None:
    assert page.locator("html").get_attribute("lang") == LANGUAGE


# ---- cases and referrals: the world a case travels through, and one browser per member of staff -----------------


@pytest.fixture
def e2e_case_world(transactional_db, lv_pack_content, settings):
    """`case_world` (tests/conftest.py) for a live server: the same published model, directory and staff, built in
    the transactional database the server thread reads."""
    from tests.conftest import build_case_world

    return build_case_world(settings=settings, lv_pack_content=lv_pack_content)


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context (own cookies): one per member of staff, as on separate computers."""
    contexts = []

    def open_page():
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="lv-LV", bypass_csp=AXE_NEEDS_INLINE_SCRIPT
        )
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(15_000)
        return opened

    yield open_page
    for context in contexts:
        context.close()
