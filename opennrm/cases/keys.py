"""Rotating the data keys: add a key, re-encrypt every stored value with it, retire the old key once unused.

Stored values are read and written with raw SQL, so that a rotation neither changes `updated_at` nor goes through
model code, and so that the rows still to do are found by how their stored value begins ("enc1:<old key id>:"):
an interrupted rotation is resumed by running it again, and it never re-encrypts a value twice.

The SQL is assembled from table and column names of the models (quoted by the database backend) and lengths the
code computes; every value travels as a query parameter (hence the `noqa: S608` below).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction
from django.utils.translation import gettext, ngettext

from opennrm.audit.services import audit_record
from opennrm.cases import crypto
from opennrm.cases.fields import EncryptedBinaryField, EncryptedTextField

BATCH_ROWS = 500
# Rows holding files are re-encrypted a few at a time: a batch is held in memory, decrypted and encrypted.
BATCH_ROWS_WITH_FILES = 20


class KeyInUse(crypto.CryptoError):
    """A key cannot be retired while stored values are encrypted with it."""


@dataclass(frozen=True)
class EncryptedTable:
    model: type[models.Model]
    fields: tuple[models.Field, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def has_files(self) -> bool:
        return any(isinstance(f, EncryptedBinaryField) for f in self.fields)


@dataclass
class KeyUsage:
    # Stored values per key id in force, in the keyring's order.
    by_key: dict[str, int]
    # Values that no key in force can decrypt (a missing key, or a value that was never encrypted).
    unknown: int

    def on_keys_other_than(self, key_id: str) -> int:
        return self.unknown + sum(count for k, count in self.by_key.items() if k != key_id)


@dataclass
class Rotation:
    key_id: str
    # False when this run finished a rotation that an earlier run had started.
    added_key: bool
    rows_by_model: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_model.values())


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with encrypted columns, found by field type, so a new encrypted field is rotated too."""
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        found = tuple(
            f for f in meta.local_concrete_fields if isinstance(f, (EncryptedTextField, EncryptedBinaryField))
        )
        if found:
            tables.append(EncryptedTable(model=model, fields=found))
    return sorted(tables, key=lambda table: table.label)


def _prefix_param(column: models.Field, key_id: str) -> str | bytes:
    prefix = crypto.stored_prefix(key_id)
    return prefix.encode() if isinstance(column, EncryptedBinaryField) else prefix


def key_usage() -> KeyUsage:
    """How many stored values each key in force encrypts (one scan of each table with encrypted columns)."""
    key_ids = list(crypto.load_keyring().data_keys)
    quote = connection.ops.quote_name
    by_key = dict.fromkeys(key_ids, 0)
    unknown = 0
    for table in encrypted_tables():
        sums, params = [], []
        for column in table.fields:
            name = quote(column.column)
            sums.append(f"SUM(CASE WHEN {name} IS NOT NULL AND LENGTH({name}) > 0 THEN 1 ELSE 0 END)")
            for key_id in key_ids:
                length = len(crypto.stored_prefix(key_id))
                sums.append(f"SUM(CASE WHEN SUBSTR({name}, 1, {length}) = %s THEN 1 ELSE 0 END)")
                params.append(_prefix_param(column, key_id))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(sums)} FROM {quote(table.model._meta.db_table)}", params)  # noqa: S608
            counts = [int(value or 0) for value in cursor.fetchone()]
        step = 1 + len(key_ids)
        for start in range(0, len(counts), step):
            stored, *per_key = counts[start : start + step]
            for key_id, count in zip(key_ids, per_key, strict=True):
                by_key[key_id] += count
            unknown += stored - sum(per_key)
    return KeyUsage(by_key=by_key, unknown=unknown)


def _reencrypt(column: models.Field, stored) -> str | bytes:
    context = column.crypto_context
    if isinstance(column, EncryptedBinaryField):
        return crypto.encrypt_bytes(crypto.decrypt_bytes(bytes(stored), context=context), context=context)
    return crypto.encrypt_text(crypto.decrypt_text(stored, context=context), context=context)


def _reencrypt_row(cursor, table: EncryptedTable, key_id: str, row_pk, stored: list) -> None:
    quote = connection.ops.quote_name
    changes = [
        (quote(column.column), _reencrypt(column, value))
        for column, value in zip(table.fields, stored, strict=True)
        if value and crypto.key_id_of(value) != key_id
    ]
    if changes:
        assignments = ", ".join(f"{name} = %s" for name, _ in changes)
        meta = table.model._meta
        statement = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        cursor.execute(statement, [*(value for _, value in changes), row_pk])


def _rotate_table(table: EncryptedTable, key_id: str, batch_size: int) -> int:
    quote = connection.ops.quote_name
    db_table, pk = quote(table.model._meta.db_table), quote(table.model._meta.pk.column)
    names = [quote(column.column) for column in table.fields]
    length = len(crypto.stored_prefix(key_id))
    stale = " OR ".join(
        f"({name} IS NOT NULL AND LENGTH({name}) > 0 AND SUBSTR({name}, 1, {length}) <> %s)" for name in names
    )
    stale_params = [_prefix_param(column, key_id) for column in table.fields]
    # Rows are locked while their batch is re-encrypted, so a concurrent edit is neither lost nor overwritten.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    size = min(batch_size, BATCH_ROWS_WITH_FILES) if table.has_files else batch_size
    select = f"SELECT {pk}, {', '.join(names)} FROM {db_table}"  # noqa: S608
    first = f"{select} WHERE {stale} ORDER BY {pk} LIMIT %s{lock}"
    following = f"{select} WHERE ({stale}) AND {pk} > %s ORDER BY {pk} LIMIT %s{lock}"
    done, after = 0, None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if after is None:
                cursor.execute(first, [*stale_params, size])
            else:
                cursor.execute(following, [*stale_params, after, size])
            rows = cursor.fetchall()
            for row_pk, *stored in rows:
                _reencrypt_row(cursor, table, key_id, row_pk, stored)
        if not rows:
            return done
        done += len(rows)
        after = rows[-1][0]


def keys_rotate(*, batch_size: int = BATCH_ROWS, on_table: Callable[[str, int], None] | None = None) -> Rotation:
    """Add a data key and re-encrypt every stored value with it; or finish a rotation that was interrupted."""
    usage = key_usage()
    if usage.unknown:
        raise crypto.CryptoError(
            ngettext(
                "%(count)d stored value cannot be decrypted with the keys in force; restore the missing key first "
                "(opennrm keys status).",
                "%(count)d stored values cannot be decrypted with the keys in force; restore the missing key first "
                "(opennrm keys status).",
                usage.unknown,
            )
            % {"count": usage.unknown}
        )
    current = crypto.load_keyring().current_id
    # Values still on an older key mean an earlier rotation stopped half-way: finish it rather than adding yet
    # another key, which would make every value "old" again.
    if usage.on_keys_other_than(current):
        rotation = Rotation(key_id=current, added_key=False)
    else:
        rotation = Rotation(key_id=crypto.add_data_key(), added_key=True)
    for table in encrypted_tables():
        rows = _rotate_table(table, rotation.key_id, batch_size)
        rotation.rows_by_model[table.label] = rows
        if on_table is not None:
            on_table(table.label, rows)
    audit_record(
        action="keys.rotated",
        object_type="data_key",
        object_id=rotation.key_id,
        new_values={"key_id": rotation.key_id, "rows": rotation.rows},
    )
    return rotation


def keys_retire(*, key_id: str) -> None:
    """Remove a data key from the key file, refused while any stored value is encrypted with it."""
    if key_id == crypto.load_keyring().current_id:
        raise KeyInUse(
            gettext("The data key %(id)r encrypts new values and cannot be removed; rotate the keys first.")
            % {"id": key_id}
        )
    usage = key_usage()
    if in_use := usage.by_key.get(key_id, 0):
        raise KeyInUse(
            ngettext(
                "The data key %(id)r still encrypts %(count)d stored value; run `opennrm keys rotate` first.",
                "The data key %(id)r still encrypts %(count)d stored values; run `opennrm keys rotate` first.",
                in_use,
            )
            % {"id": key_id, "count": in_use}
        )
    crypto.remove_data_key(key_id)
    audit_record(action="keys.retired", object_type="data_key", object_id=key_id, new_values={"key_id": key_id})


def describe_usage(usage: KeyUsage) -> list[str]:
    """Lines for `opennrm keys status`: each key in force, the one that encrypts marked, and values per key."""
    current = crypto.load_keyring().current_id
    width = max(len(key_id) for key_id in usage.by_key)
    lines = []
    for key_id, count in usage.by_key.items():
        values = ngettext("%(count)d stored value", "%(count)d stored values", count) % {"count": count}
        line = f"{key_id:<{width}}  {values}"
        if key_id == current:
            line += "  " + gettext("(encrypts new values)")
        lines.append(line)
    if usage.unknown:
        lines.append(
            ngettext(
                "%(count)d stored value uses a key that is not in force.",
                "%(count)d stored values use a key that is not in force.",
                usage.unknown,
            )
            % {"count": usage.unknown}
        )
    return lines
