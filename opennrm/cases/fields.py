"""Model fields whose values are encrypted before they reach the database and decrypted when read.

Queries cannot filter on them (the stored value changes with every write): a lookup other than "is empty" or
"is null" is refused instead of silently matching nothing. Search goes through the blind index.
"""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from opennrm.cases import crypto


class _EmptyOnlyExact(Exact):
    """`field=""` works (empty text is stored empty); comparing with a non-empty value cannot."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.output_field.crypto_context} is encrypted and cannot be compared with a value; "
                "search through the blind index instead."
            )
        return super().get_prep_lookup()


class _EncryptedMixin:
    crypto_context: str

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        # Bound into every ciphertext: a value copied into another column or table does not decrypt.
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    def get_lookup(self, lookup_name):
        return IsNull if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None


class EncryptedTextField(_EncryptedMixin, models.TextField):
    """Text stored as AES-GCM ciphertext, bound to its table and column; empty text is stored empty."""

    def get_lookup(self, lookup_name):
        return _EmptyOnlyExact if lookup_name == "exact" else super().get_lookup(lookup_name)

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return crypto.decrypt_text(value, context=self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt_text(str(value), context=self.crypto_context)


class EncryptedBinaryField(_EncryptedMixin, models.BinaryField):
    """Bytes (a document) stored as AES-GCM ciphertext, bound to its table and column."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.decrypt_bytes(bytes(value), context=self.crypto_context)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None and not prepared:
            value = crypto.encrypt_bytes(bytes(value), context=self.crypto_context)
        return super().get_db_prep_value(value, connection, prepared=True)
