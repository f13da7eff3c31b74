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

    unit = models.ForeignKey("directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    # Set when an administrator resets the password: the temporary one must be replaced at next sign-in.
    must_change_password = models.BooleanField(default=False)

    @property
    def institution(self):
        return self.unit.institution if self.unit_id else None

    def active_roles(self) -> list[Role]:
        """The roles in force: enabled, allowed for the user's institution type, and the workplace still open.

        A role the pack later restricts to other institution types, or a unit or institution that is closed,
        must take the powers away at once, without anyone having to remember to edit the account.

        Queries: none when loaded with `select_related("unit__institution__type")` and
        `prefetch_related("roles")` (what the account selectors do); otherwise one for the roles, plus one
        each for the unit, the institution and its type the first time they are needed on this instance.
        """
        if self.unit_id is None:
            # Roles are held as staff of an institution; an account outside every unit has no powers.
            return []
        unit = self.unit
        if not unit.is_active or not unit.institution.is_active:
            return []
        roles = [role for role in self.roles.all() if role.is_active]
        if any(role.institution_types for role in roles):
            institution_type = unit.institution.type.code
            roles = [r for r in roles if not r.institution_types or institution_type in r.institution_types]
        return roles

    def assigned_capabilities(self) -> frozenset[str]:
        """Every capability of every role the user holds, in force or not (a role can come back into force)."""
        return frozenset(cap for role in self.roles.all() for cap in role.capabilities)

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
