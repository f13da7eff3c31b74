"""Inserting millions of rows at COPY speed: plain dicts in, `COPY … FROM STDIN` on PostgreSQL, `executemany` on SQLite.

`bulk_create` spends most of its time building model instances and compiling SQL (about 10 000 rows a second here),
which would make a 200 000-case register take half an hour. Rows here are dicts keyed by the model's column
attributes, with ids given out in advance (so related rows can point at each other before anything is written);
values go through the same conversions Django applies — encrypted fields through their own `get_prep_value`,
so the stored ciphertext is exactly what the application writes and reads.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

from opennrm.cases.fields import EncryptedBinaryField, EncryptedTextField

REUSED_CIPHERTEXTS = 50  # per column: the fixed texts, not the persons


def _identity(value: Any) -> Any:
    return value


def _encrypting(field: models.Field) -> Callable[[Any], Any]:
    """The field's own encryption, reusing the ciphertext of a value already seen in this column.

    Synthetic data repeats a few fixed texts (a referral message, a reason, the fake given name) hundreds of thousands
    of times; the first few distinct values of a column are encrypted once and their ciphertext reused, which still
    decrypts (the context is the column). Everything else — each person's family name, birth date, contacts — is
    encrypted row by row, as the application does.
    """
    seen: dict[Any, Any] = {}

    def encrypt(value: Any) -> Any:
        if value in seen:
            return seen[value]
        encrypted = field.get_prep_value(value)
        if len(seen) < REUSED_CIPHERTEXTS:
            seen[value] = encrypted
        return encrypted

    return encrypt


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How a Python value of this field becomes what the database driver is given."""
    if isinstance(field, EncryptedTextField | EncryptedBinaryField):
        return _encrypting(field)
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value)
    if connection.vendor == "sqlite":
        if isinstance(field, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return connection.ops.adapt_datefield_value
    return _identity


class Table:
    """One model's rows: ids handed out from the current maximum, defaults filled in, written in one go."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.pick = operator.itemgetter(*self.attnames)
        # Only the columns whose values need converting (JSON, encrypted, dates on SQLite) are touched one by one.
        self.converted = [(i, c) for i, c in enumerate(_converter(f) for f in fields) if c is not _identity]
        self.next_id = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def row(self, **values: Any) -> dict[str, Any]:
        """A new row with its id given out now, so that other rows can refer to it before it is written."""
        row = {"id": self.next_id, **values}
        self.next_id += 1
        return row

    def _values(self, rows: list[dict[str, Any]]) -> list[list]:
        # itemgetter and dict merging run in C: at millions of rows, a Python loop over every column is the cost.
        pick, defaults, converted = self.pick, self.defaults, self.converted
        values = []
        for row in rows:
            value = list(pick({**defaults, **row}))
            for position, convert in converted:
                value[position] = convert(value[position])
            values.append(value)
        return values

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        values = self._values(rows)
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - our names
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


def sequences_reset(tables: list[Table]) -> None:
    """Move PostgreSQL's id sequences past the ids given out here (SQLite follows explicit ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
