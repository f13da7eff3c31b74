"""HTCDS 2.0 exchange: what goes out (consented cases only, nothing identifying), what comes in (every row checked,
all or nothing, idempotent), and the round trip through an empty database."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import Case, Consent
from opennrm.cases.services.consent import consent_withdraw
from opennrm.core.errors import ApplicationError
from opennrm.jurisdiction.services import version_publish
from opennrm.stats.htcds import EXCHANGE_FIELDS, case_exchange_id, htcds_export, htcds_fields, htcds_import
from opennrm.stats.models import CaseFact
from tests.cases.steps import consent, identify, open_case, person_data, to_identification
from tests.stats.test_facts import DISTINCT

HEADER = ",".join(EXCHANGE_FIELDS)
GOOD = [
    "DEMO-1,2023-05-01,Feminine,16,LV,SexualExploitation,Exploitation,LV;DE,ActualVictimOfTrafficking,"
    "NonPoliceGovernmentalOrganization,FollowUp,state_police,service_provider,true",
    "DEMO-2,2024-11-17,Masculine,,UA;LT,ForcedLabour;ForcedBegging,Recruitment,PL,PossibleVictimOfTrafficking,,"
    "Closed,Somewhere Else Ltd,,true",
    "DEMO-3,2025-02-01,,,,,,,,,,,,true",
]


def write(tmp_path, lines, name="records.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_records(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def exchange_consent(world, case):
    return consent(world, case, purpose="data_exchange", recipient_type="national_coordinator", categories=[])


# --- the field list ---------------------------------------------------------------------------------------------


def test_the_field_list_is_the_standards():
    fields = htcds_fields()
    assert len(fields) == 84  # 83 fields of the standard and the record id
    assert fields["prs_Gender"].picklist == {
        "Feminine",
        "Masculine",
        "TransgenderFeminine",
        "TransgenderMasculine",
        "NonConforming",
        "NonSpecifiedUnknown",
    }
    assert "DebtBondage" in fields["vic_MethodsOfControl"].picklist  # trailing spaces of the sheet dropped
    assert fields["prs_Citizenship"].code_list == "country" and fields["prs_Citizenship"].many
    assert set(EXCHANGE_FIELDS) <= set(fields)


# --- import ----------------------------------------------------------------------------------------------------


def test_a_valid_file_becomes_facts(case_world, tmp_path):
    report = htcds_import(path=write(tmp_path, [HEADER, *GOOD]))
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    first = CaseFact.objects.get(source_key="htcds:DEMO-1")
    assert first.case is None and first.source == "htcds"
    assert (first.year, first.month, first.sex, first.age_years, first.age_band, first.is_child) == (
        2023,
        5,
        "Feminine",
        16,
        "9-17",
        True,
    )
    assert (first.citizenship, first.citizenship_group) == ("LV", "national")
    assert first.forms == ["SexualExploitation"]
    assert first.exploitation_countries == ["DE", "LV"]
    assert (first.outcome, first.identification_route) == ("identified", "commission")
    assert (first.recognising_type, first.pathway) == ("state_police", [["state_police", "service_provider"]])
    second = CaseFact.objects.get(source_key="htcds:DEMO-2")
    # The day is dropped; a recruitment country is not a country of exploitation; an unknown organisation is "".
    assert (second.year, second.month, second.age_band, second.is_child) == (2024, 11, "unknown", None)
    assert (second.citizenship, second.citizenship_group) == ("LT", "other_eu")
    assert second.exploitation_countries == []
    assert (second.outcome, second.recognising_type, second.pathway) == ("withdrawn", "", [])
    third = CaseFact.objects.get(source_key="htcds:DEMO-3")
    assert (third.sex, third.citizenship, third.outcome, third.forms) == (
        "NonSpecifiedUnknown",
        "ZZ",
        "in_progress",
        [],
    )
    event = AuditEvent.objects.get(action="htcds.import")
    assert event.new_values["created"] == 3


def test_importing_the_same_file_twice_adds_nothing(case_world, tmp_path):
    path = write(tmp_path, [HEADER, *GOOD])
    htcds_import(path=path)
    again = htcds_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert CaseFact.objects.filter(source="htcds").count() == 3
    changed = htcds_import(path=write(tmp_path, [HEADER, GOOD[0].replace("Feminine", "Masculine")], "b.csv"))
    assert (changed.created, changed.updated) == (0, 1)
    assert CaseFact.objects.get(source_key="htcds:DEMO-1").sex == "Masculine"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([HEADER + ",prs_ShoeSize", GOOD[0] + ",42"], "row 1, field prs_ShoeSize: not a field of HTCDS 2.0"),
        (
            [HEADER, GOOD[0], GOOD[1].replace("Masculine", "Male")],
            "row 3, field prs_Gender: 'Male' is not in the picklist",
        ),
        ([HEADER, GOOD[0].replace("2023-05-01", "2023-13-01")], "row 2, field cas_IncomingReferralDate: '2023-13-01'"),
        ([HEADER, GOOD[0].replace("2023-05-01", "01.05.2023")], "row 2, field cas_IncomingReferralDate: '01.05.2023'"),
        ([HEADER, GOOD[0].replace("DEMO-1,", ",", 1)], "row 2, field cas_ID: required, but empty"),
        ([HEADER, GOOD[0], GOOD[0]], "row 3, field cas_ID: 'DEMO-1' is already used by row 2"),
        ([HEADER, GOOD[0].replace(",LV,", ",Latvia,", 1)], "row 2, field prs_Citizenship: 'Latvia' is not an ISO"),
        ([HEADER, GOOD[0].replace(";DE", ";Germany")], "row 2, field hte_Country: 'Germany' is not an ISO"),
        (
            [HEADER, GOOD[0].replace(",16,", ",sixteen,")],
            "row 2, field vic_AgeWhenTrafficked: 'sixteen' is not a number",
        ),
        ([HEADER, GOOD[0].replace(",16,", ",160,")], "row 2, field vic_AgeWhenTrafficked: '160' is not an age"),
        (
            [HEADER + ",prs_NumberOfChildren", GOOD[0] + ",nan"],
            "row 2, field prs_NumberOfChildren: 'nan' is not a number",
        ),
        ([HEADER, GOOD[0].replace(",true", ",false")], "row 2, field con_Consent: the person did not consent"),
        ([HEADER, GOOD[0].replace(",true", ",maybe")], "row 2, field con_Consent: 'maybe' is not true or false"),
        ([HEADER, GOOD[0].removesuffix("true")], "row 2, field con_Consent: required, but empty"),
        (
            [HEADER.removesuffix(",con_Consent"), GOOD[0].removesuffix(",true")],
            "row 1, field con_Consent: the column is missing",
        ),
        ([HEADER, GOOD[0].replace("DEMO-1", "DEMO 1")], "row 2, field cas_ID: 'DEMO 1' is not a valid record id"),
        ([HEADER.replace("cas_ID,", "", 1), GOOD[0].split(",", 1)[1]], "row 1, field cas_ID: the column is missing"),
        ([HEADER + ",prs_Gender", GOOD[0] + ",Feminine"], "row 1, field prs_Gender: the column appears twice"),
        ([HEADER, GOOD[0] + ",extra"], "row 2: more values than columns"),
        (
            [HEADER + ",vic_MethodsOfControl", GOOD[0] + ",DebtBondage;Magic"],
            "row 2, field vic_MethodsOfControl: 'Magic' is not in the picklist",
        ),
    ],
)
def test_a_bad_file_names_row_and_field_and_imports_nothing(case_world, tmp_path, lines, expected):
    report = htcds_import(path=write(tmp_path, lines))
    assert not report.ok
    assert any(problem.startswith(expected) for problem in report.problems), report.problems
    assert not CaseFact.objects.filter(source="htcds").exists()
    assert not AuditEvent.objects.filter(action="htcds.import").exists()


def test_every_problem_is_listed_not_only_the_first(case_world, tmp_path):
    lines = [HEADER, GOOD[0].replace("Feminine", "F"), GOOD[1].replace("2024-11-17", "someday"), GOOD[2]]
    report = htcds_import(path=write(tmp_path, lines))
    assert [p.split(":")[0] for p in report.problems] == [
        "row 2, field prs_Gender",
        "row 3, field cas_IncomingReferralDate",
    ]


def test_unreadable_files(case_world, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("cas_ID\nRīga\n".encode("latin-1", errors="replace") + b"\xff\xfe")
    assert htcds_import(path=latin).problems == ["The file is not UTF-8 text."]
    empty = write(tmp_path, [""], "empty.csv")
    assert htcds_import(path=empty).problems == ["The file is empty: it has no header row."]
    assert htcds_import(path=tmp_path / "missing.csv").problems[0].startswith("The file cannot be read")


def test_personal_fields_are_checked_but_never_kept(case_world, tmp_path):
    header = HEADER + ",prs_FirstName,prs_SecondName,prs_IdentityNumber,cco_CaseComment,prs_Birthdate"
    secrets = f",{DISTINCT.given_name},{DISTINCT.family_name},{DISTINCT.personal_code},Seen near the harbour,1987-03-14"
    report = htcds_import(path=write(tmp_path, [header, GOOD[0] + secrets]))
    assert report.ok, report.problems
    assert report.ignored_fields == [
        "cco_CaseComment",
        "prs_Birthdate",
        "prs_FirstName",
        "prs_IdentityNumber",
        "prs_SecondName",
    ]
    text = str(list(CaseFact.objects.values()))
    for secret in (DISTINCT.given_name, DISTINCT.family_name, DISTINCT.personal_code, "harbour", "1987"):
        assert secret not in text


def test_a_record_exported_from_this_systems_own_case_is_not_counted_twice(case_world, tmp_path):
    case = open_case(case_world)
    exchange_consent(case_world, case)
    path = tmp_path / "out.csv"
    htcds_export(path=path)
    report = htcds_import(path=path)
    assert (report.created, report.skipped_own) == (0, 1)
    assert CaseFact.objects.count() == 1


# --- export ----------------------------------------------------------------------------------------------------


def test_export_sends_only_consented_cases_and_imported_records(case_world, tmp_path, lv_definitions):
    consented, referral = to_identification(case_world)
    consented = identify(case_world, consented)
    exchange_consent(case_world, consented)
    open_case(case_world)  # no consent to the exchange
    withdrawn = open_case(case_world)
    consent_withdraw(by=case_world.social_worker, consent=exchange_consent(case_world, withdrawn), note="Demo.")
    htcds_import(path=write(tmp_path, [HEADER, GOOD[0]]))

    path = tmp_path / "export.csv"
    report = htcds_export(path=path)
    records = read_records(path)
    assert (report.records, report.case_records, report.imported_records) == (2, 1, 1)
    assert list(records[0]) == list(EXCHANGE_FIELDS)
    own = next(r for r in records if r["cas_ID"] == case_exchange_id(consented.pk, "lv"))
    fact = CaseFact.objects.get(case=consented)
    assert own == {
        "cas_ID": case_exchange_id(consented.pk, "lv"),
        "cas_IncomingReferralDate": f"{fact.year}-{fact.month:02d}-01",
        "prs_Gender": "Feminine",
        "vic_AgeWhenTrafficked": own["vic_AgeWhenTrafficked"],
        "prs_Citizenship": "UA",
        "vic_TypeOfExploitation": "ForcedLabour",
        "hte_Type": "Exploitation",
        "hte_Country": "LV;UA",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickingStatusDecisionMakingOrg": "NonPoliceGovernmentalOrganization",
        "cas_Status": "FollowUp",
        "cas_ReferringOrganisation": "municipal_social_service",
        "cas_ReferredOrganisation": "service_provider",
        "con_Consent": "true",
    }
    assert lv_definitions.age_band_for_age(int(own["vic_AgeWhenTrafficked"])) == fact.age_band
    assert any(r["cas_ID"] == "DEMO-1" for r in records)
    event = AuditEvent.objects.get(action="htcds.export")
    assert event.new_values["cases"] == [consented.pk]
    assert event.purpose == "HTCDS data exchange"


def test_export_holds_no_name_code_reference_or_exact_date(case_world, tmp_path):
    from opennrm.cases.services.cases import case_open
    from tests.cases.steps import riga

    case = case_open(
        by=case_world.social_worker,
        population="adult",
        nationality="national",
        person=person_data(DISTINCT),
        municipality=riga(),
        forms=["ForcedCriminality"],
    )
    exchange_consent(case_world, case)
    path = tmp_path / "export.csv"
    htcds_export(path=path)
    text = path.read_text(encoding="utf-8")
    for secret in [*DISTINCT.secrets(), DISTINCT.birth_date, DISTINCT.address, case.reference]:
        assert secret not in text
    (record,) = read_records(path)
    assert record["cas_IncomingReferralDate"].endswith("-01")
    # Forced criminality has no HTCDS value of its own.
    assert record["vic_TypeOfExploitation"] == "Other"


def test_the_command_line(case_world, tmp_path):
    good = write(tmp_path, [HEADER, *GOOD])
    out = StringIO()
    call_command("htcds", "import", str(good), stdout=out)
    assert "new: 3" in out.getvalue()
    bad = write(tmp_path, [HEADER, GOOD[0].replace("Feminine", "X")], "bad.csv")
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("htcds", "import", str(bad), stderr=err)
    assert raised.value.returncode == 2
    assert "row 2, field prs_Gender: 'X' is not in the picklist" in err.getvalue()
    target = tmp_path / "out.csv"
    out = StringIO()
    call_command("htcds", "export", "--output", str(target), stdout=out)
    assert "out.csv: 3 (cases with consent: 0, imported earlier: 3)" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("htcds", "export", "--output", str(tmp_path / "no" / "such" / "dir.csv"))


# --- the round trip ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_round_trip_from_the_demo_through_an_empty_database(settings, lv_pack_content, tmp_path):
    from opennrm.accounts.demo import demo_users_create
    from opennrm.cases.demo import demo_cases_create
    from opennrm.jurisdiction.models import ModelVersion
    from opennrm.jurisdiction.services import content_hash
    from opennrm.stats.demo import demo_stats_create
    from tests.conftest import build_case_world

    build_case_world(settings=settings, lv_pack_content=lv_pack_content)
    demo_users_create()
    demo_cases_create()
    demo_stats_create()
    assert Consent.objects.filter(purpose="data_exchange").exists()
    first = tmp_path / "first.csv"
    report = htcds_export(path=first)
    assert report.case_records > 0 and report.imported_records > 200

    call_command("flush", interactive=False, verbosity=0)
    assert not Case.objects.exists() and not CaseFact.objects.exists()
    draft = ModelVersion.objects.create(
        pack_code="lv",
        number=1,
        status=ModelVersion.Status.DRAFT,
        content=lv_pack_content,
        content_hash=content_hash(lv_pack_content),
        source="packs/lv",
    )
    version_publish(version=draft, change_note="Empty installation.", by=None)
    imported = htcds_import(path=first)
    assert imported.ok and imported.created == report.records
    second = tmp_path / "second.csv"
    htcds_export(path=second)
    assert read_records(second) == read_records(first)
    assert second.read_bytes() == first.read_bytes()


# --- consent and the file -----------------------------------------------------------------------------------------


def test_an_imported_record_is_kept_with_its_consent_and_one_without_never_goes_out(case_world, tmp_path):
    htcds_import(path=write(tmp_path, [HEADER, GOOD[0]]))
    assert CaseFact.objects.get(source_key="htcds:DEMO-1").exchange_consent is True
    # A record taken in before consent was required: it is counted, but it is not sent on as if it had consent.
    CaseFact.objects.filter(source_key="htcds:DEMO-1").update(exchange_consent=False)
    path = tmp_path / "export.csv"
    report = htcds_export(path=path)
    assert report.imported_records == 0
    assert read_records(path) == []


def test_a_consent_for_a_named_institution_does_not_cover_the_exchange(case_world, tmp_path):
    named = open_case(case_world)
    consent(
        case_world,
        named,
        purpose="data_exchange",
        categories=[],
        recipient_institution=case_world.institution("lv-provider-marta"),
    )
    covered = open_case(case_world)
    exchange_consent(case_world, covered)
    withdrawn = open_case(case_world)
    consent_withdraw(by=case_world.social_worker, consent=exchange_consent(case_world, withdrawn), note="Demo.")
    path = tmp_path / "export.csv"
    htcds_export(path=path)
    assert [r["cas_ID"] for r in read_records(path)] == [case_exchange_id(covered.pk, "lv")]


def test_a_consent_limited_to_another_kind_of_recipient_does_not_cover_the_exchange(case_world, tmp_path):
    # The Latvian pack names the national coordinator as the exchange's recipient (statistics.htcds_recipient_type).
    other = open_case(case_world)
    consent(case_world, other, purpose="data_exchange", categories=[], recipient_type="service_provider")
    covered = open_case(case_world)
    exchange_consent(case_world, covered)
    path = tmp_path / "export.csv"
    htcds_export(path=path)
    assert [r["cas_ID"] for r in read_records(path)] == [case_exchange_id(covered.pk, "lv")]


def test_the_export_is_readable_by_its_owner_only_and_never_overwrites(case_world, tmp_path):
    import os
    import stat

    htcds_import(path=write(tmp_path, [HEADER, GOOD[0]]))
    path = tmp_path / "export.csv"
    htcds_export(path=path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.write_text("someone else's file", encoding="utf-8")
    with pytest.raises(ApplicationError, match="exists already"):
        htcds_export(path=path)
    assert path.read_text(encoding="utf-8") == "someone else's file"
    assert AuditEvent.objects.filter(action="htcds.export").count() == 1
    htcds_export(path=path, force=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_records(path)[0]["cas_ID"] == "DEMO-1"
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(ApplicationError, match="exists already"):
        htcds_export(path=link, force=True)
    assert not (tmp_path / "elsewhere.csv").exists()


def test_the_command_refuses_to_overwrite_without_force(case_world, tmp_path):
    target = tmp_path / "out.csv"
    call_command("htcds", "export", "--output", str(target), stdout=StringIO())
    with pytest.raises(CommandError, match="--force"):
        call_command("htcds", "export", "--output", str(target), stdout=StringIO())
    call_command("htcds", "export", "--output", str(target), "--force", stdout=StringIO())
