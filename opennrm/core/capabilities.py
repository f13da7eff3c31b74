"""What a role may do. The code knows these mechanisms; each pack decides which of its roles hold which.

A pack's role lists capability ids from this catalogue; an unknown id is refused at validation.
"""

from enum import StrEnum


class Capability(StrEnum):
    MODEL_VIEW_DRAFTS = "model.view_drafts"
    MODEL_EDIT = "model.edit"
    MODEL_PUBLISH = "model.publish"
    DIRECTORY_EDIT = "directory.edit"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    # Capabilities that later parts of the system check; a role holding any of these sees personal data
    # and therefore must sign in with a second factor.
    CASES_VIEW = "cases.view"
    CASES_EDIT = "cases.edit"
    PERSONAL_DATA_VIEW = "personal_data.view"
    STATS_VIEW = "stats.view"


PERSONAL_DATA_CAPABILITIES = frozenset({Capability.CASES_VIEW, Capability.CASES_EDIT, Capability.PERSONAL_DATA_VIEW})
