"""What a role may do. The code knows these mechanisms; each pack decides which of its roles hold which.

A pack's role lists capability ids from this catalogue; an unknown id is refused at validation.
"""

from enum import StrEnum


class Capability(StrEnum):
    MODEL_VIEW_DRAFTS = "model.view_drafts"
    MODEL_EDIT = "model.edit"
    MODEL_PUBLISH = "model.publish"
    # Contact points of the user's own institution; `_ALL` of every institution (the national coordinator).
    DIRECTORY_EDIT = "directory.edit"
    DIRECTORY_EDIT_ALL = "directory.edit_all"
    USERS_MANAGE = "users.manage"
    # Audit events of the user's own institution; `_ALL` of the whole system (national oversight).
    AUDIT_VIEW = "audit.view"
    AUDIT_VIEW_ALL = "audit.view_all"
    # Cases the user's institution is a party to and the user is assigned to; `_EDIT` to work on them;
    # `PERSONAL_DATA_VIEW` to see who the person is (within what the consent lets the institution see).
    CASES_VIEW = "cases.view"
    CASES_EDIT = "cases.edit"
    PERSONAL_DATA_VIEW = "personal_data.view"
    # Every case of the user's institution (not only assigned ones); assigns workers; receives escalations.
    CASES_SUPERVISE = "cases.supervise"
    # Opening a case of another institution in an emergency, with a written reason; audited and flagged.
    CASES_BREAK_GLASS = "cases.break_glass"
    # Counts of cases, overdue referrals and flags across the country; never a case or a person.
    CASES_OVERSEE = "cases.oversee"
    # De-identified statistics and their reports (never a case or a person); `_PUBLISH` releases a year's
    # disclosure-controlled tables to the public site.
    STATS_VIEW = "stats.view"
    STATS_PUBLISH = "stats.publish"
    # The national action plan and the working group: `_MANAGE` everything (the coordinator), `_REPORT` progress on
    # the own institution's measures, `_MEETINGS` the working group's meetings and decisions, `_VIEW` read only.
    COORDINATION_MANAGE = "coordination.manage"
    COORDINATION_REPORT = "coordination.report"
    COORDINATION_MEETINGS = "coordination.meetings"
    COORDINATION_VIEW = "coordination.view"
    # News, events, publications and pages of the public information resource; never any case data.
    PORTAL_EDIT = "portal.edit"


PERSONAL_DATA_CAPABILITIES = frozenset(
    {
        Capability.CASES_VIEW,
        Capability.CASES_EDIT,
        Capability.PERSONAL_DATA_VIEW,
        Capability.CASES_SUPERVISE,
        Capability.CASES_BREAK_GLASS,
    }
)

# A password alone must not open these: they show personal data (cases; the audit log's names and addresses),
# can take over other accounts (resetting passwords), or change what the whole country works by (publishing).
TWO_FACTOR_CAPABILITIES = PERSONAL_DATA_CAPABILITIES | frozenset(
    {
        Capability.USERS_MANAGE,
        Capability.AUDIT_VIEW,
        Capability.AUDIT_VIEW_ALL,
        Capability.MODEL_PUBLISH,
        # What these publish speaks for the state to the public.
        Capability.STATS_PUBLISH,
        Capability.PORTAL_EDIT,
        # The working group's records (minutes, documents) and the power to change the national action plan.
        Capability.COORDINATION_MANAGE,
        Capability.COORDINATION_MEETINGS,
    }
)

# Powers over the whole system or over other accounts. An institution's administrator may look after colleagues
# who work with cases (their second factor still guards them after a password reset), but never after someone
# holding one of these that the administrator lacks: that would be a way to take the power over.
ADMINISTRATIVE_CAPABILITIES = frozenset(
    {
        Capability.USERS_MANAGE,
        Capability.MODEL_PUBLISH,
        Capability.AUDIT_VIEW,
        Capability.AUDIT_VIEW_ALL,
        Capability.DIRECTORY_EDIT_ALL,
        # National powers: an institution's administrator must not be able to make a colleague the editor of the
        # public site, the publisher of national statistics or a member of the national working group.
        Capability.PORTAL_EDIT,
        Capability.STATS_PUBLISH,
        Capability.COORDINATION_MANAGE,
        Capability.COORDINATION_MEETINGS,
    }
)
