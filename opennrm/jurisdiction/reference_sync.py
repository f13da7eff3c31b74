"""Reference data from the published pack: institution types, municipalities and roles as database rows.

Other tables point at these rows (institutions, users' roles), so a row that leaves the pack is disabled,
never deleted; if it comes back in a later version it is enabled again with its old id.
"""

from typing import Any

from django.db import models, transaction

from opennrm.accounts.models import Role
from opennrm.directory.models import InstitutionType, Municipality
from opennrm.jurisdiction.schema import Pack


def _sync_rows(model: type[models.Model], wanted: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "disabled": 0}
    existing = {row.code: row for row in model.objects.select_for_update()}
    for code, fields in wanted.items():
        row = existing.get(code)
        if row is None:
            model.objects.create(code=code, is_active=True, **fields)
            counts["created"] += 1
            continue
        changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
        if not row.is_active:
            changed["is_active"] = True
        if changed:
            for name, value in changed.items():
                setattr(row, name, value)
            row.save(update_fields=[*changed, "updated_at"])
            counts["updated"] += 1
    gone = [row.pk for code, row in existing.items() if code not in wanted and row.is_active]
    counts["disabled"] = model.objects.filter(pk__in=gone).update(is_active=False)
    return counts


def reference_data_sync(*, pack: Pack) -> dict[str, dict[str, int]]:
    """Make institution types, municipalities and roles match `pack`; returns what changed, per table."""
    with transaction.atomic():
        return {
            "institution_types": _sync_rows(
                InstitutionType, {t.id: {"names": dict(t.name)} for t in pack.institution_types}
            ),
            "municipalities": _sync_rows(
                Municipality, {m.id: {"names": dict(m.name), "kind": m.kind} for m in pack.municipalities}
            ),
            "roles": _sync_rows(
                Role,
                {
                    r.id: {
                        "names": dict(r.name),
                        "capabilities": list(r.capabilities),
                        "institution_types": list(r.institution_types),
                    }
                    for r in pack.roles
                },
            ),
        }
