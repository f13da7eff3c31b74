"""Encryption at rest: values round-trip, refuse to decrypt when altered or moved, and keys load safely."""

import base64
import json
import stat

import pytest
from django.core.exceptions import FieldError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opennrm.cases import crypto
from opennrm.cases.models import Document, Person

PLACE = "cases.person.given_name"


def key() -> str:
    return base64.b64encode(bytes(range(32))).decode()


def keys_document(**data_keys: str) -> dict:
    return {"data_keys": data_keys or {"k1": key()}, "index_key": base64.b64encode(b"i" * 32).decode()}


def use_environment(monkeypatch, document) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    monkeypatch.setenv(crypto.ENVIRONMENT_VARIABLE, text)


# --- round trips -------------------------------------------------------------------------------------------


def test_text_round_trip_hides_the_text():
    token = crypto.encrypt_text("Testa Persona", context=PLACE)
    assert "Testa" not in token
    assert token.startswith(f"enc1:{crypto.load_keyring().current_id}:")
    assert crypto.decrypt_text(token, context=PLACE) == "Testa Persona"


def test_bytes_round_trip():
    blob = crypto.encrypt_bytes(b"%PDF-1.7 Testa Persona", context="cases.document.content")
    assert b"Testa" not in blob
    assert crypto.decrypt_bytes(blob, context="cases.document.content") == b"%PDF-1.7 Testa Persona"


def test_the_same_text_encrypts_differently_every_time():
    assert crypto.encrypt_text("Testa", context=PLACE) != crypto.encrypt_text("Testa", context=PLACE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), data=st.binary(), column=st.sampled_from([PLACE, "cases.note.body", "cases.task.title"]))
def test_every_text_and_every_byte_string_round_trips(text, data, column):
    assert crypto.decrypt_text(crypto.encrypt_text(text, context=column), context=column) == text
    assert crypto.decrypt_bytes(crypto.encrypt_bytes(data, context=column), context=column) == data


# --- refusals ----------------------------------------------------------------------------------------------


def test_altered_ciphertext_is_refused():
    blob = bytearray(crypto.encrypt_bytes(b"Testa Persona", context=PLACE))
    blob[-1] ^= 1
    with pytest.raises(crypto.CryptoError, match="was altered or belongs to another column"):
        crypto.decrypt_bytes(bytes(blob), context=PLACE)


def test_altered_text_token_is_refused():
    token = crypto.encrypt_text("Testa Persona", context=PLACE)
    prefix, key_id, sealed = token.split(":", 2)
    raw = bytearray(base64.b64decode(sealed))
    raw[crypto.NONCE_BYTES] ^= 0x80  # the first byte of the ciphertext proper
    altered = f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.CryptoError, match="was altered"):
        crypto.decrypt_text(altered, context=PLACE)


@pytest.mark.parametrize(
    "stored",
    ["Testa Persona", "enc1:", "enc1:k1", "enc1:k1:not base64!", "enc1:k1:" + base64.b64encode(b"short").decode()],
)
def test_garbage_is_refused_with_a_clear_message(stored):
    with pytest.raises(crypto.CryptoError, match="is not a valid encrypted value"):
        crypto.decrypt_text(stored, context=PLACE)


def test_a_value_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt_text("Testa Persona", context="cases.person.given_name")
    with pytest.raises(crypto.CryptoError, match="belongs to another column"):
        crypto.decrypt_text(token, context="cases.person.family_name")


def test_unknown_key_id_is_refused_naming_the_key():
    token = crypto.encrypt_text("Testa Persona", context=PLACE)
    current = crypto.load_keyring().current_id
    moved = token.replace(f"enc1:{current}:", "enc1:k99-dead:", 1)
    with pytest.raises(crypto.CryptoError, match=r"The data key 'k99-dead' .* is not among the keys in force"):
        crypto.decrypt_text(moved, context=PLACE)


def test_key_id_of_reads_text_and_bytes():
    current = crypto.load_keyring().current_id
    assert crypto.key_id_of(crypto.encrypt_text("x", context=PLACE)) == current
    assert crypto.key_id_of(memoryview(crypto.encrypt_bytes(b"x", context=PLACE))) == current
    assert crypto.key_id_of("") == crypto.key_id_of("plain") == crypto.key_id_of(b"plain") == ""
    assert crypto.key_id_of(None) == ""


# --- the key file and the environment ----------------------------------------------------------------------


def test_missing_key_file_is_created_owner_only(data_keys):
    assert not data_keys.exists()
    keyring = crypto.load_keyring()
    assert stat.S_IMODE(data_keys.stat().st_mode) == 0o600
    document = json.loads(data_keys.read_text())
    assert list(document["data_keys"]) == [keyring.current_id]
    assert keyring.current_id.startswith("k1-")
    assert len(keyring.data_keys[keyring.current_id]) == 32 and len(keyring.index_key) == 32
    assert keyring.index_key != keyring.data_keys[keyring.current_id]


def test_existing_key_file_is_used(data_keys):
    data_keys.parent.mkdir(parents=True)
    data_keys.write_text(json.dumps(keys_document(old=key())))
    assert crypto.load_keyring().current_id == "old"
    assert crypto.key_id_of(crypto.encrypt_text("x", context=PLACE)) == "old"


def test_a_key_file_changed_by_another_process_is_noticed_without_a_restart(data_keys):
    crypto.load_keyring()
    document = json.loads(data_keys.read_text())
    document["data_keys"]["k2-beef"] = key()
    data_keys.write_text(json.dumps(document))
    assert crypto.load_keyring().current_id == "k2-beef"


def test_environment_keys_take_precedence_and_no_file_is_written(monkeypatch, data_keys):
    use_environment(monkeypatch, keys_document(env1=key()))
    assert crypto.load_keyring().current_id == "env1"
    token = crypto.encrypt_text("Testa Persona", context=PLACE)
    assert crypto.key_id_of(token) == "env1"
    assert crypto.decrypt_text(token, context=PLACE) == "Testa Persona"
    assert not data_keys.exists()


def test_environment_keys_cannot_be_changed_from_here(monkeypatch):
    use_environment(monkeypatch, keys_document(env1=key(), env2=key()))
    with pytest.raises(crypto.CryptoError, match="The keys come from OPENNRM_DATA_KEYS"):
        crypto.add_data_key()
    with pytest.raises(crypto.CryptoError, match="The keys come from OPENNRM_DATA_KEYS"):
        crypto.remove_data_key("env1")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "OPENNRM_DATA_KEYS is not valid JSON"),
        ("[]", r"OPENNRM_DATA_KEYS: expected \{\"data_keys\""),
        ('{"data_keys": {"k1": "%%%"}, "index_key": "AAAA"}', "OPENNRM_DATA_KEYS: expected"),
        (keys_document(k1=base64.b64encode(b"short").decode()), r"the key 'k1' is 5 bytes long; .* 32 bytes"),
        ({**keys_document(), "index_key": base64.b64encode(b"x" * 16).decode()}, "the key 'index_key' is 16 bytes"),
        ({"data_keys": {}, "index_key": key()}, "at least one data key is needed"),
        (keys_document(**{"k:1": key()}), "the key id 'k:1' may use only letters, digits"),
    ],
)
def test_malformed_environment_keys_are_refused_clearly(monkeypatch, document, message):
    use_environment(monkeypatch, document)
    with pytest.raises(crypto.CryptoError, match=message):
        crypto.load_keyring()


def test_malformed_key_file_is_refused_naming_the_file(data_keys):
    data_keys.parent.mkdir(parents=True)
    data_keys.write_text("{")
    with pytest.raises(crypto.CryptoError, match=f"{data_keys} is not valid JSON"):
        crypto.load_keyring()


def test_a_key_file_that_vanishes_under_a_running_server_is_not_replaced(data_keys, caplog):
    first = crypto.load_keyring()
    data_keys.unlink()
    assert crypto.load_keyring() == first
    assert not data_keys.exists()
    assert "is missing" in caplog.text


def test_adding_a_key_keeps_the_old_ones_for_reading(data_keys):
    token = crypto.encrypt_text("Testa Persona", context=PLACE)
    old = crypto.key_id_of(token)
    new = crypto.add_data_key()
    assert new.startswith("k2-")
    assert list(crypto.load_keyring().data_keys) == [old, new]
    assert crypto.key_id_of(crypto.encrypt_text("x", context=PLACE)) == new
    assert crypto.decrypt_text(token, context=PLACE) == "Testa Persona"
    assert stat.S_IMODE(data_keys.stat().st_mode) == 0o600


def test_removing_keys(data_keys):
    old = crypto.load_keyring().current_id
    new = crypto.add_data_key()
    with pytest.raises(crypto.CryptoError, match="encrypts new values and cannot be removed"):
        crypto.remove_data_key(new)
    with pytest.raises(crypto.CryptoError, match="There is no data key 'k7'"):
        crypto.remove_data_key("k7")
    crypto.remove_data_key(old)
    assert list(crypto.load_keyring().data_keys) == [new]


# --- blind index -------------------------------------------------------------------------------------------


def test_blind_index_ignores_case_accents_and_spacing():
    assert crypto.blind_index("Jānis  Bērziņš", "1990-01-02") == crypto.blind_index("JANIS BERZINS", "1990-01-02")
    assert crypto.blind_index("Jānis", "Bērziņš", "1990-01-02") == crypto.blind_index(
        " janis ", "BERZINS", "1990-01-02"
    )


def test_blind_index_differs_for_another_date_or_another_split():
    same = crypto.blind_index("Jānis", "Bērziņš", "1990-01-02")
    assert same != crypto.blind_index("Jānis", "Bērziņš", "1990-01-03")
    assert same != crypto.blind_index("Jānis Bērziņš", "", "1990-01-02")


def test_blind_index_is_keyed_not_a_plain_hash(data_keys, monkeypatch):
    first = crypto.blind_index("Jānis", "Bērziņš", "1990-01-02")
    assert len(first) == 64
    use_environment(monkeypatch, keys_document())
    assert crypto.blind_index("Jānis", "Bērziņš", "1990-01-02") != first


# --- the fields --------------------------------------------------------------------------------------------


def test_fields_bind_ciphertext_to_their_column():
    assert Person._meta.get_field("given_name").crypto_context == "cases.person.given_name"
    assert Document._meta.get_field("content").crypto_context == "cases.document.content"


def test_encrypted_fields_refuse_lookups_that_cannot_work():
    with pytest.raises(FieldError, match="cases.person.given_name is encrypted"):
        Person.objects.filter(given_name="Testa").exists()
    with pytest.raises(FieldError):
        Person.objects.filter(given_name__icontains="Testa")
    with pytest.raises(FieldError):
        Document.objects.filter(content=b"x")
    # Empty text is stored empty, so "no phone number" can be asked for.
    assert Person.objects.filter(phone="").query.sql_with_params()[1] == ("",)
