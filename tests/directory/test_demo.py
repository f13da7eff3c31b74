import textwrap

import pytest
from django.conf import settings

from opennrm.audit.models import AuditEvent
from opennrm.directory.demo import DemoDataInvalid, demo_directory_load
from opennrm.directory.models import ContactPoint, Institution, Unit

DEMO = """
institutions:
  - code: demo-ss-alpha
    type: social_service
    scope: municipal
    municipality: alpha
    names: {lv: "Alfas sociālais dienests", en: "Alpha Social Service", ru: "Социальная служба Альфы"}
    address: "Parauga iela 1, Alfa (demo address)"
    website: "https://alpha.example.lv"
    contact_points:
      - labels: {lv: Pieņemšana, en: Reception, ru: Приёмная}
        phone: "+371 20000101"
        email: "reception@alpha.example.lv"
        hours: {lv: "P.–Pk. 8.30–17.00", en: "Mon–Fri 8:30–17:00", ru: "Пн–Пт 8:30–17:00"}
        languages: [lv, ru]
        audience: public
        round_the_clock: false
      - labels: {lv: Dežurants, en: Duty officer, ru: Дежурный}
        phone: "+371 20000102"
        audience: professionals
  - code: demo-region-north
    type: regional_office
    scope: regional
    service_area: [alpha, gamma]
    names: {lv: "Ziemeļu reģions", en: "Northern region", ru: "Северный регион"}
    units:
      - code: main
        names: {lv: "Birojs", en: "Office", ru: "Офис"}
      - code: gamma-desk
        names: {lv: "Gammas punkts", en: "Gamma desk", ru: "Пункт Гаммы"}
  - code: demo-police
    type: police
    scope: national
    names: {lv: "Policija", en: "Police", ru: "Полиция"}
    contact_points:
      - labels: {lv: Karstā līnija, en: Hotline, ru: Горячая линия}
        phone: "+371 20000103"
        round_the_clock: true
"""


def _write(tmp_path, text, name="directory.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _state():
    return (
        list(Institution.objects.order_by("pk").values()),
        list(Unit.objects.order_by("pk").values()),
        list(ContactPoint.objects.order_by("pk").values()),
        list(Institution.service_area.through.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
class TestLoad:
    def test_creates_institutions_units_and_contacts(self, world, tmp_path):
        summary = demo_directory_load(path=_write(tmp_path, DEMO))
        assert (summary.institutions_created, summary.contact_points_created) == (3, 3)
        alpha = Institution.objects.get(code="demo-ss-alpha")
        assert alpha.municipality.code == "alpha" and alpha.type.code == "social_service"
        assert alpha.names["lv"] == "Alfas sociālais dienests"
        assert list(alpha.units.values_list("code", flat=True)) == ["main"]
        points = list(alpha.contact_points.order_by("order"))
        assert [p.labels["en"] for p in points] == ["Reception", "Duty officer"]
        assert points[1].audience == "professionals" and points[0].languages == ["lv", "ru"]
        region = Institution.objects.get(code="demo-region-north")
        assert sorted(region.service_area.values_list("code", flat=True)) == ["alpha", "gamma"]
        assert sorted(region.units.values_list("code", flat=True)) == ["gamma-desk", "main"]
        assert Institution.objects.get(code="demo-police").contact_points.get().is_round_the_clock
        assert AuditEvent.objects.filter(action="directory.demo_load").count() == 1

    def test_second_run_changes_nothing(self, world, tmp_path):
        path = _write(tmp_path, DEMO)
        demo_directory_load(path=path)
        before = _state()
        summary = demo_directory_load(path=path)
        assert not summary.changed and summary.institutions_unchanged == 3
        assert _state() == before

    def test_changed_file_replaces_contact_points(self, world, tmp_path):
        demo_directory_load(path=_write(tmp_path, DEMO))
        changed = DEMO.replace('"+371 20000101"', '"+371 20000109"').replace(
            """      - labels: {lv: Dežurants, en: Duty officer, ru: Дежурный}
        phone: "+371 20000102"
        audience: professionals
""",
            "",
        )
        summary = demo_directory_load(path=_write(tmp_path, changed))
        assert (summary.contact_points_updated, summary.contact_points_removed) == (1, 1)
        alpha = Institution.objects.get(code="demo-ss-alpha")
        assert [p.phone for p in alpha.contact_points.all()] == ["+371 20000109"]

    @pytest.mark.parametrize(
        "change, message",
        [
            (
                ("type: social_service", "type: social_servise"),
                "institutions[0] (demo-ss-alpha).type: unknown institution type 'social_servise'",
            ),
            (
                ("municipality: alpha", "municipality: atlantis"),
                "institutions[0] (demo-ss-alpha).municipality: unknown municipality 'atlantis'",
            ),
            (
                ("    municipality: alpha\n", ""),
                "institutions[0] (demo-ss-alpha).municipality: required for a municipal institution",
            ),
            (
                ("service_area: [alpha, gamma]", "service_area: [alpha, omega]"),
                "institutions[1] (demo-region-north).service_area[1]: unknown municipality 'omega'",
            ),
            (
                ('ru: "Полиция"}', 'ru: ""}'),
                "institutions[2] (demo-police).names.ru: missing translation for 'ru'",
            ),
            (
                ('phone: "+371 20000103"', 'phone: "call us"'),
                "institutions[2] (demo-police).contact_points[0].phone:",
            ),
            (
                ("    scope: national\n", "    scope: national\n    colour: blue\n"),
                "institutions[2] (demo-police).colour: Extra inputs are not permitted",
            ),
            (
                ("scope: regional", "scope: planetary"),
                "institutions[1] (demo-region-north).scope: Input should be",
            ),
            (
                ('website: "https://alpha.example.lv"', 'website: "alpha"'),
                ".website: not a valid http(s) address",
            ),
        ],
    )
    def test_bad_file_names_entry_and_field_and_writes_nothing(self, world, tmp_path, change, message):
        before = _state()
        with pytest.raises(DemoDataInvalid) as caught:
            demo_directory_load(path=_write(tmp_path, DEMO.replace(*change)))
        assert any(message in problem for problem in caught.value.problems), caught.value.problems
        assert _state() == before

    def test_bad_yaml_reports_the_line(self, world, tmp_path):
        with pytest.raises(DemoDataInvalid) as caught:
            demo_directory_load(path=_write(tmp_path, "institutions:\n  - code: [unclosed\n"))
        assert caught.value.problems[0].startswith("directory.yaml:")

    def test_missing_file(self, world, tmp_path):
        with pytest.raises(DemoDataInvalid):
            demo_directory_load(path=tmp_path / "absent.yaml")

    def test_before_any_publication_says_so(self, db, tmp_path):
        with pytest.raises(DemoDataInvalid) as caught:
            demo_directory_load(path=_write(tmp_path, DEMO))
        assert "publish the model first" in caught.value.message


REAL_PACK = settings.BASE_DIR / "packs" / "lv"
REAL_DEMO = REAL_PACK / "demo" / "directory.yaml"


@pytest.mark.django_db
@pytest.mark.skipif(not REAL_DEMO.exists(), reason="the Latvian demo directory is not written yet")
def test_the_latvian_demo_directory_loads_against_the_latvian_pack():
    services = pytest.importorskip("opennrm.jurisdiction.services")
    version = services.pack_load(path=REAL_PACK)
    services.version_publish(version=version, change_note="Demo", by=None)
    summary = demo_directory_load(path=REAL_DEMO)
    assert summary.institutions_created >= 86 + 10
    assert Institution.objects.filter(code="lv-social-service-riga").exists()
    assert Unit.objects.filter(institution__code="lv-orphans-court-cesis", code="main").exists()
    assert not demo_directory_load(path=REAL_DEMO).changed
