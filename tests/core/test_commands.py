"""`opennrm setup` and `opennrm demo load`: what `make run` relies on."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opennrm.accounts.models import User
from opennrm.directory.models import Institution, Municipality
from opennrm.jurisdiction.models import ModelVersion


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_setup_publishes_the_pack_loads_the_demo_and_prints_the_logins(settings):
    settings.OPENNRM_ALLOW_DEMO = True
    output = _run("setup", "--demo")
    published = ModelVersion.objects.get(pack_code="lv", status=ModelVersion.Status.PUBLISHED)
    assert f"Published version {published.number} of pack 'lv'." in output
    assert Municipality.objects.filter(is_active=True).count() == 43
    # Every municipality has its social service and orphan's court in the demo directory.
    assert Institution.objects.filter(code__startswith="lv-orphans-court-").count() == 43
    assert "demo.coordinator" in output and "password:" in output
    assert User.objects.filter(username="demo.coordinator").exists()


@pytest.mark.django_db
def test_setup_is_idempotent(settings):
    settings.OPENNRM_ALLOW_DEMO = True
    _run("setup", "--demo")
    output = _run("setup", "--demo")
    assert "already has a published version" in output
    assert ModelVersion.objects.filter(pack_code="lv").count() == 1


@pytest.mark.django_db
def test_demo_data_is_refused_on_a_production_system(settings):
    settings.OPENNRM_ALLOW_DEMO = False
    _run("setup")
    with pytest.raises(CommandError, match="OPENNRM_ALLOW_DEMO"):
        _run("demo", "load")
    assert not User.objects.filter(username__startswith="demo.").exists()


@pytest.mark.django_db
def test_setup_explains_a_missing_pack(settings, tmp_path):
    settings.OPENNRM_PACKS_DIR = tmp_path
    with pytest.raises(CommandError, match="No pack folder"):
        _run("setup")
