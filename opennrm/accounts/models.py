from django.contrib.auth.models import AbstractUser
from django.db import models

from opennrm.core.capabilities import TWO_FACTOR_CAPABILITIES
from opennrm.core.i18n import localized
from opennrm.core.models import BaseModel


class Role(BaseModel):
    """A role defined by the published pack, with the capabilities it grants; disabled, never deleted."""

    code = models.SlugField(max_length=64, unique=True)
    names = models.JSONField(default=dict)
    capabilities = models.JSONField(default=list)
    # Institution type codes whose staff may hold the role; empty means any.
    institution_types = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self.names) or self.code

    @property
    def requires_two_factor(self) -> bool:
        return bool(TWO_FACTOR_CAPABILITIES.intersection(self.capabilities))


class User(AbstractUser):
    """A member of staff. Belongs to one unit of one institution and holds pack-defined roles."""

    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    # Set when an administrator resets the password: the temporary one must be replaced at next sign-in.
    must_change_password = models.BooleanField(default=False)

    @property
    def institution(self):
        return self.unit.institution if self.unit_id else None

    def active_roles(self) -> list[Role]:
        # Prefetch-friendly: filtering in Python reuses `prefetch_related("roles")`.
        return [role for role in self.roles.all() if role.is_active]

    def capabilities(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        return frozenset(cap for role in self.active_roles() for cap in role.capabilities)

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities()

    @property
    def requires_two_factor(self) -> bool:
        return any(role.requires_two_factor for role in self.active_roles())


class ApiToken(BaseModel):
    """A bearer token for an integration acting as `user`. Only a SHA-256 hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
