"""`opennrm keys status|rotate|retire`: rotation re-encrypts every stored value, resumes, and keys retire safely."""

import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from opennrm.audit.models import AuditEvent
from opennrm.cases import crypto, keys
from opennrm.cases.models import Case, Document, Note, Person, Task
from tests.cases.conftest import SyntheticPerson, create_identified_case

pytestmark = pytest.mark.django_db

PEOPLE = [SyntheticPerson(given_name=f"Zzyzxa{n}", personal_code=f"999999-9999{n}") for n in range(3)]
# Each case above has one person, note, task and document, all with encrypted columns.
ROWS_PER_CASE = 4


def run(*args) -> str:
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as raised:
        run(*args)
    return raised.value


def stored_values(table: str, column: str) -> list:
    with connection.cursor() as cursor:
        # In id order, as the rotation goes: PostgreSQL returns updated rows last without it.
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id")  # noqa: S608
        return [value for (value,) in cursor.fetchall() if value]


@pytest.fixture
def cases():
    return [create_identified_case(person) for person in PEOPLE]


def assert_everything_reads_back(cases) -> None:
    for case, person in zip(cases, PEOPLE, strict=True):
        stored = Person.objects.get(case=case)
        assert (stored.given_name, stored.family_name, stored.personal_code) == (
            person.given_name,
            person.family_name,
            person.personal_code,
        )
        assert Note.objects.get(case=case).body.startswith(person.full_name)
        assert Task.objects.get(case=case).title == f"Call {person.full_name}"
        document = Document.objects.get(case=case)
        assert document.filename == f"{person.given_name}-{person.family_name}.txt"
        assert person.personal_code.encode() in document.content


def test_every_encrypted_column_is_found():
    labels = {table.label for table in keys.encrypted_tables()}
    assert labels >= {
        "cases.person",
        "cases.consent",
        "cases.referral",
        "cases.transitionrecord",
        "cases.note",
        "cases.task",
        "cases.document",
        "cases.breakglassaccess",
    }
    person = next(table for table in keys.encrypted_tables() if table.label == "cases.person")
    assert {f.name for f in person.fields} == set(Person.IDENTITY_FIELDS + Person.CONTACT_FIELDS)


def test_status_counts_stored_values_per_key(cases):
    current = crypto.load_keyring().current_id
    output = run("status")
    # Person: 7 filled columns; note, task: 1; document: file name and content.
    assert f"{current}  {len(cases) * 11} stored values  (encrypts new values)" in output


def test_rotate_re_encrypts_every_row_with_a_new_key(cases):
    old = crypto.load_keyring().current_id
    before = {person.pk: person.updated_at for person in Person.objects.all()}

    output = run("rotate")

    new = crypto.load_keyring().current_id
    assert new != old and list(crypto.load_keyring().data_keys) == [old, new]
    for label in ("cases.person", "cases.note", "cases.task", "cases.document"):
        assert f"{label}: {len(cases)} rows re-encrypted" in output
    assert "cases.referral: 0 rows re-encrypted" in output
    assert f"Added data key {new} and re-encrypted {len(cases) * ROWS_PER_CASE} rows with it." in output
    assert keys.key_usage().by_key == {old: 0, new: len(cases) * 11}
    assert {crypto.key_id_of(v) for v in stored_values("cases_person", "given_name")} == {new}
    assert {crypto.key_id_of(v) for v in stored_values("cases_document", "content")} == {new}
    assert_everything_reads_back(cases)
    # A rotation is not an edit: nobody's "last changed" moves.
    assert {person.pk: person.updated_at for person in Person.objects.all()} == before
    event = AuditEvent.objects.get(action="keys.rotated")
    assert event.actor is None
    assert event.new_values == {"key_id": new, "rows": len(cases) * ROWS_PER_CASE}


def test_an_interrupted_rotation_resumes_where_it_stopped(cases, monkeypatch):
    old = crypto.load_keyring().current_id
    real = keys._reencrypt
    person_values = {"n": 0}

    def power_cut_at_the_third_person(column, stored):
        if column.model is Person:
            person_values["n"] += 1
            if person_values["n"] > 2 * len(Person.IDENTITY_FIELDS + Person.CONTACT_FIELDS):
                raise RuntimeError("power cut")
        return real(column, stored)

    monkeypatch.setattr(keys, "_reencrypt", power_cut_at_the_third_person)
    with pytest.raises(RuntimeError):
        run("rotate", "--batch-size", "1")
    new = crypto.load_keyring().current_id
    assert new != old
    # Tables go in name order, one row per transaction: documents and notes are done, two persons of three, and
    # the tasks are not reached.
    assert [crypto.key_id_of(v) for v in stored_values("cases_person", "given_name")] == [new, new, old]
    assert {crypto.key_id_of(v) for v in stored_values("cases_document", "content")} == {new}
    assert {crypto.key_id_of(v) for v in stored_values("cases_task", "title")} == {old}
    assert not AuditEvent.objects.filter(action="keys.rotated").exists()

    monkeypatch.setattr(keys, "_reencrypt", real)
    output = run("rotate")

    assert list(crypto.load_keyring().data_keys) == [old, new]
    assert "cases.document: 0 rows re-encrypted" in output
    assert "cases.person: 1 row re-encrypted" in output
    assert f"cases.task: {len(cases)} rows re-encrypted" in output
    remaining = 1 + len(cases)
    assert f"Finished the rotation to data key {new}: re-encrypted {remaining} rows." in output
    assert keys.key_usage().by_key == {old: 0, new: len(cases) * 11}
    assert_everything_reads_back(cases)
    assert AuditEvent.objects.get(action="keys.rotated").new_values == {"key_id": new, "rows": remaining}


def test_a_second_rotation_adds_another_key(cases):
    run("rotate")
    run("rotate")
    assert len(crypto.load_keyring().data_keys) == 3
    assert keys.key_usage().by_key[crypto.load_keyring().current_id] == len(cases) * 11
    assert AuditEvent.objects.filter(action="keys.rotated").count() == 2
    assert_everything_reads_back(cases)


def test_retiring_a_key_is_refused_while_values_use_it(cases):
    old = crypto.load_keyring().current_id
    crypto.add_data_key()  # a new key, but nothing re-encrypted yet

    error = refused("retire", old)

    assert error.returncode == 1
    assert f"The data key '{old}' still encrypts {len(cases) * 11} stored values" in str(error)
    assert old in crypto.load_keyring().data_keys
    assert not AuditEvent.objects.filter(action="keys.retired").exists()


def test_a_key_retires_once_the_rotation_is_done(cases, data_keys):
    old = crypto.load_keyring().current_id
    run("rotate")

    assert run("retire", old) == f"Removed data key {old}.\n"

    assert old not in json.loads(data_keys.read_text())["data_keys"]
    assert AuditEvent.objects.get(action="keys.retired").new_values == {"key_id": old}
    assert_everything_reads_back(cases)


def test_the_key_that_encrypts_cannot_be_retired(cases):
    error = refused("retire", crypto.load_keyring().current_id)
    assert error.returncode == 1
    assert "encrypts new values and cannot be removed" in str(error)


def test_retiring_an_unknown_key_is_invalid_input():
    error = refused("retire", "k99")
    assert error.returncode == 2
    assert "There is no data key 'k99'" in str(error)


def test_rotation_refuses_while_values_use_a_key_that_is_not_in_force(cases, data_keys):
    # The key file was replaced by one without the key the stored values need (a restore gone wrong).
    fresh = base64.b64encode(b"n" * 32).decode()
    data_keys.write_text(json.dumps({"data_keys": {"k5": fresh}, "index_key": fresh}))

    assert f"{len(cases) * 11} stored values use a key that is not in force." in run("status")
    error = refused("rotate")

    assert error.returncode == 1
    assert "cannot be decrypted with the keys in force; restore the missing key first" in str(error)
    assert list(crypto.load_keyring().data_keys) == ["k5"]


def test_keys_from_the_environment_are_rotated_there(cases, monkeypatch, data_keys):
    document = json.loads(data_keys.read_text())
    monkeypatch.setenv(crypto.ENVIRONMENT_VARIABLE, json.dumps(document))
    error = refused("rotate")
    assert "The keys come from OPENNRM_DATA_KEYS" in str(error)

    # The operator adds a key at the end of the variable and restarts; `rotate` then moves every value to it.
    document["data_keys"]["env2"] = base64.b64encode(b"e" * 32).decode()
    monkeypatch.setenv(crypto.ENVIRONMENT_VARIABLE, json.dumps(document))
    output = run("rotate")

    assert f"Finished the rotation to data key env2: re-encrypted {len(cases) * ROWS_PER_CASE} rows." in output
    assert keys.key_usage().by_key["env2"] == len(cases) * 11
    assert_everything_reads_back(cases)


def test_rotation_with_nothing_stored_adds_a_key():
    first = crypto.load_keyring().current_id
    output = run("rotate")
    assert Case.objects.count() == 0
    assert f"Added data key {crypto.load_keyring().current_id} and re-encrypted 0 rows with it." in output
    assert crypto.load_keyring().current_id != first
