"""Encryption at rest for a person's identifying data, notes and documents (AES-256-GCM), and the blind index.

Keys live outside the database: in `OPENNRM_DATA_KEYS` (JSON) or, by default, in `<data dir>/data_keys.json`,
created on first use with owner-only permissions. The file holds several data keys, each with an id; the last one
listed encrypts, every one still listed decrypts, so keys can be rotated (`opennrm keys rotate`) without downtime.
The blind-index key is separate and never encrypts anything: it only turns "name + birth date" into a keyed hash
that can be compared but not reversed (docs/decisions/0009-encryption-at-rest.md).

Ciphertext format (text): "enc1:<key id>:<base64 of 12-byte nonce + ciphertext + tag>"; (bytes): b"enc1:<key id>:"
followed by the nonce, ciphertext and tag. The associated data binds a value to its place (table and column), so a
ciphertext copied into another column does not decrypt.
"""

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.translation import gettext

PREFIX = "enc1"
BINARY_PREFIX = b"enc1:"
NONCE_BYTES = 12
KEY_BYTES = 32
# Ids appear inside every stored value and are separated from it by ":", so they are kept short and plain.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
ENVIRONMENT_VARIABLE = "OPENNRM_DATA_KEYS"

logger = logging.getLogger(__name__)


class CryptoError(Exception):
    """The keys are missing, malformed, or cannot decrypt a value (wrong key, altered ciphertext)."""


@dataclass(frozen=True)
class Keyring:
    # In the order listed; the last one encrypts.
    data_keys: dict[str, bytes]
    index_key: bytes

    @property
    def current_id(self) -> str:
        return next(reversed(self.data_keys))


_lock = threading.Lock()
# The keyring and what it was read from (the environment's text, or the key file's identity and modification
# time): when another process rotates the keys, every server notices at its next use, without a restart.
_keyring: Keyring | None = None
_keyring_source: tuple | None = None


def keys_path() -> Path:
    return Path(getattr(settings, "OPENNRM_DATA_KEYS_FILE", settings.DATA_DIR / "data_keys.json"))


def _new_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=KEY_BYTES * 8)).decode()


def _new_key_id(existing: dict) -> str:
    # A running number for people to read, and a random part so that a key file recreated after a loss can never
    # reuse an id of the lost one: such values then report a missing key instead of looking tampered with.
    numbers = [int(match.group(1)) for k in existing if (match := re.fullmatch(r"k(\d+)(?:-\w+)?", k))]
    return f"k{1 + max(numbers, default=0)}-{secrets.token_hex(2)}"


def _parse(document, source: str) -> Keyring:
    try:
        data_keys = {str(k): base64.b64decode(v, validate=True) for k, v in document["data_keys"].items()}
        index_key = base64.b64decode(document["index_key"], validate=True)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise CryptoError(
            gettext('%(source)s: expected {"data_keys": {"<id>": "<base64 key>", …}, "index_key": "<base64 key>"}.')
            % {"source": source}
        ) from error
    if not data_keys:
        raise CryptoError(gettext("%(source)s: at least one data key is needed.") % {"source": source})
    for key_id, key in [*data_keys.items(), ("index_key", index_key)]:
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise CryptoError(
                gettext("%(source)s: the key id %(id)r may use only letters, digits, - and _ (at most 32).")
                % {"source": source, "id": key_id}
            )
        if len(key) != KEY_BYTES:
            raise CryptoError(
                gettext("%(source)s: the key %(id)r is %(length)d bytes long; every key must be 32 bytes (AES-256).")
                % {"source": source, "id": key_id, "length": len(key)}
            )
    return Keyring(data_keys=data_keys, index_key=index_key)


def _read_document(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise CryptoError(gettext("%(source)s is not valid JSON.") % {"source": path}) from error
    except OSError as error:
        raise CryptoError(
            gettext("The key file %(source)s cannot be read: %(reason)s") % {"source": path, "reason": error.strerror}
        ) from error


def _write_file(path: Path, document: dict, *, replace: bool) -> None:
    """Write the key file owner-only from its first byte; a replacement is atomic (a reader sees old or new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600 whatever the umask.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            # A hard link fails if the file exists: two processes starting at once keep the first one's keys.
            os.link(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    # Two operators rotating at once would otherwise both add a key "k2" and one of them would be lost, together
    # with every value it encrypted.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _file_identity(path: Path) -> tuple | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), status.st_ino, status.st_mtime_ns, status.st_size)


def _from_environment(raw: str) -> Keyring:
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise CryptoError(gettext("%(source)s is not valid JSON.") % {"source": ENVIRONMENT_VARIABLE}) from error
    return _parse(document, ENVIRONMENT_VARIABLE)


def _create_file(path: Path) -> None:
    try:
        _write_file(path, {"data_keys": {_new_key_id({}): _new_key()}, "index_key": _new_key()}, replace=False)
        logger.warning("Created new data keys in %s: back this file up, apart from the database.", path)
    except FileExistsError:
        pass  # another process created it first; read theirs


def load_keyring() -> Keyring:
    """The keys in force: from the environment, else the key file (created with fresh keys if missing)."""
    global _keyring, _keyring_source
    with _lock:
        if raw := os.environ.get(ENVIRONMENT_VARIABLE):
            if _keyring is None or _keyring_source != ("environment", raw):
                _keyring, _keyring_source = _from_environment(raw), ("environment", raw)
            return _keyring
        path = keys_path()
        identity = _file_identity(path)
        if _keyring is not None and _keyring_source is not None and _keyring_source[0] == str(path):
            if identity is None:
                # The file went missing under a running server: fresh keys now would make new values unreadable
                # once it is restored, so the server carries on with the keys it has.
                logger.error("The key file %s is missing; restore it from its backup.", path)
                return _keyring
            if _keyring_source == identity:
                return _keyring
        if identity is None:
            _create_file(path)
            identity = _file_identity(path)
        _keyring, _keyring_source = _parse(_read_document(path), str(path)), identity
        return _keyring


def reset_keyring_cache() -> None:
    """Forget the loaded keys (in tests that change them; a changed key file is noticed without this)."""
    global _keyring, _keyring_source
    with _lock:
        _keyring = None
        _keyring_source = None


def _forget_on_setting_change(*, setting: str, **kwargs) -> None:
    if setting in ("OPENNRM_DATA_KEYS_FILE", "DATA_DIR"):
        reset_keyring_cache()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="opennrm.cases.crypto.setting_changed")


def _refuse_environment_keys() -> None:
    if os.environ.get(ENVIRONMENT_VARIABLE):
        raise CryptoError(
            gettext(
                "The keys come from %(variable)s: change them there (a new key goes last) and restart every process."
            )
            % {"variable": ENVIRONMENT_VARIABLE}
        )


def add_data_key() -> str:
    """Add a new data key to the key file and make it the one that encrypts; returns its id."""
    _refuse_environment_keys()
    load_keyring()  # creates the file if there is none yet
    path = keys_path()
    with _exclusive(path):
        document = _read_document(path)
        _parse(document, str(path))
        key_id = _new_key_id(document["data_keys"])
        document["data_keys"][key_id] = _new_key()
        _write_file(path, document, replace=True)
    reset_keyring_cache()
    return key_id


def remove_data_key(key_id: str) -> None:
    """Drop a retired key from the key file (only once nothing is encrypted with it any more)."""
    _refuse_environment_keys()
    path = keys_path()
    with _exclusive(path):
        document = _read_document(path)
        keyring = _parse(document, str(path))
        if key_id not in keyring.data_keys:
            raise CryptoError(
                gettext("There is no data key %(id)r (keys: %(known)s).")
                % {"id": key_id, "known": ", ".join(keyring.data_keys)}
            )
        if key_id == keyring.current_id:
            raise CryptoError(
                gettext("The data key %(id)r encrypts new values and cannot be removed; rotate the keys first.")
                % {"id": key_id}
            )
        del document["data_keys"][key_id]
        _write_file(path, document, replace=True)
    reset_keyring_cache()


def _unreadable(context: str) -> CryptoError:
    return CryptoError(gettext("The value of %(place)s is not a valid encrypted value.") % {"place": context})


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    keyring = load_keyring()
    key_id = keyring.current_id
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.data_keys[key_id]).encrypt(nonce, bytes(data), context.encode())
    return BINARY_PREFIX + key_id.encode() + b":" + nonce + sealed


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    blob = bytes(blob)
    if not blob.startswith(BINARY_PREFIX):
        raise _unreadable(context)
    raw_id, separator, rest = blob[len(BINARY_PREFIX) :].partition(b":")
    # The smallest valid value holds a nonce and a 16-byte tag.
    if not separator or len(rest) < NONCE_BYTES + 16:
        raise _unreadable(context)
    key_id = raw_id.decode("ascii", errors="replace")
    key = load_keyring().data_keys.get(key_id)
    if key is None:
        raise CryptoError(
            gettext(
                "The data key %(id)r that encrypted a value of %(place)s is not among the keys in force; "
                "restore it to the key file."
            )
            % {"id": key_id, "place": context}
        )
    try:
        return AESGCM(key).decrypt(rest[:NONCE_BYTES], rest[NONCE_BYTES:], context.encode())
    except InvalidTag as error:
        raise CryptoError(
            gettext("A value of %(place)s was altered or belongs to another column: it does not decrypt.")
            % {"place": context}
        ) from error


def encrypt_text(text: str, *, context: str) -> str:
    blob = encrypt_bytes(text.encode(), context=context)
    key_id, _, sealed = blob[len(BINARY_PREFIX) :].partition(b":")
    return f"{PREFIX}:{key_id.decode()}:{base64.b64encode(sealed).decode()}"


def decrypt_text(token: str, *, context: str) -> str:
    prefix, key_id, sealed = (token.split(":", 2) + ["", ""])[:3]
    if prefix != PREFIX:
        raise _unreadable(context)
    try:
        blob = BINARY_PREFIX + key_id.encode() + b":" + base64.b64decode(sealed, validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise _unreadable(context) from error
    try:
        return decrypt_bytes(blob, context=context).decode()
    except UnicodeDecodeError as error:
        raise _unreadable(context) from error


def key_id_of(value: str | bytes | bytearray | memoryview | None) -> str:
    """The id of the key a stored value is encrypted with ("" for an empty or unencrypted value)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
        if not value.startswith(BINARY_PREFIX):
            return ""
        return value[len(BINARY_PREFIX) :].partition(b":")[0].decode("ascii", errors="replace")
    if not value or not value.startswith(PREFIX + ":"):
        return ""
    return value.split(":", 2)[1]


def stored_prefix(key_id: str) -> str:
    """How every value encrypted with `key_id` begins, in text columns (binary ones: its UTF-8 bytes)."""
    return f"{PREFIX}:{key_id}:"


def normalise_for_index(text: str) -> str:
    """Case, accents and spacing do not make two people different: "Jānis  Bērziņš" = "JANIS BERZINS"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())


def blind_index(*parts: str) -> str:
    """A keyed hash of normalised parts (e.g. given name, family name, birth date): equal inputs, equal outputs."""
    message = "\x1f".join(normalise_for_index(p) for p in parts).encode()
    return hmac.new(load_keyring().index_key, message, hashlib.sha256).hexdigest()
