"""What every coordination service needs: the permission checks, the audit record, field errors."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.coordination.selectors import CoordinationAccess, coordination_access
from opennrm.coordination.services.checks import ValueProblem
from opennrm.core.errors import ApplicationError, Forbidden


class _Unset:
    """A keyword left out of an update: the value stays as it is (None is a value, e.g. "no deadline")."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def given(value) -> bool:
    return value is not UNSET


def require_manager(by, *, allow_system: bool = False) -> CoordinationAccess:
    """The coordinator's power. `allow_system`: `by=None` is the server's administrator at the command line."""
    if by is None and allow_system:
        return CoordinationAccess(read=True, manage=True, meetings=True)
    access = coordination_access(by)
    if not access.manage:
        raise Forbidden(gettext("Only the national coordinator can do this."))
    return access


@contextmanager
def field_errors(field: str):
    """Turn a value check's problem into an ApplicationError naming `field`."""
    try:
        yield
    except ValueProblem as problem:
        raise ApplicationError(f"{field}: {problem.message}", field=field) from None


def check(field: str, cleaner, value, **options):
    with field_errors(field):
        return cleaner(value, **options)


def require_change_note(change_note: str) -> str:
    note = (change_note or "").strip()
    if not note:
        raise ApplicationError(gettext("Say in a change note what was changed and why."), field="change_note")
    if len(note) > 2000:
        raise ApplicationError(gettext("The change note is too long (at most 2000 characters)."), field="change_note")
    return note


def audit(*, action: str, by, obj, old: dict | None = None, new: dict | None = None, purpose: str = "") -> None:
    audit_record(
        action=f"coordination.{action}",
        actor=by,
        object_type=f"coordination.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        old_values=old,
        new_values=new,
        purpose=purpose,
    )


def changed_values(obj, values: dict[str, Any]) -> tuple[dict, dict]:
    """Set the given attributes on `obj`; return (old, new) of those that really changed, for the audit log."""
    old, new = {}, {}
    for name, value in values.items():
        current = getattr(obj, name)
        if current != value:
            old[name], new[name] = current, value
            setattr(obj, name, value)
    return old, new
