"""What is measured: each function reads through the real selectors and services, as the views and API do."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from benchmarks.measure import timed
from opennrm.accounts.models import Role, User
from opennrm.accounts.services import api_token_issue
from opennrm.audit.models import AuditChainHead
from opennrm.audit.selectors import audit_events_page
from opennrm.audit.services import audit_record
from opennrm.audit.verify import audit_verify
from opennrm.directory.models import Institution, Unit
from opennrm.directory.selectors import institutions_list, visible_contact_points, who_to_call
from opennrm.jurisdiction import services as model_services
from opennrm.jurisdiction.diff import diff_packs, render_text
from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.selectors import version_draft, version_published
from opennrm.jurisdiction.validation import validate_content

PAGE = 50  # the API's default page size
QUIET_MUNICIPALITY = "cesis"  # receives no synthetic institutions (see generate.institutions_grow)
BUSY_MUNICIPALITY = "riga"  # receives its share of them
SEARCH_TEXT = "police"  # matches a few demo institutions and no synthetic one
SITUATION = {"stage": "referral", "population": "adult", "nationality": "third_country_national"}
COMMON_ACTION = "bench.case_view"
RARE_ACTION = "model.publish"  # written once or twice at the very start of the log


# --- directory ----------------------------------------------------------------------------------------------


def _institutions_page(**filters: Any) -> list[Institution]:
    # What the API does with a page: one row more to know whether there is a next page, then every
    # prefetched relation touched, so a missing prefetch would show as extra queries.
    rows = list(institutions_list(user=None, limit=PAGE + 1, **filters))
    for institution in rows[:PAGE]:
        sorted(place.code for place in institution.service_area.all())
        visible_contact_points(institution)
    return rows[:PAGE]


def _deep_cursor(codes: list[str], fraction: float = 0.9) -> str:
    # Deep, yet with a full page after it where the list is long enough, so that deep pages are full pages.
    return codes[max(min(int(len(codes) * fraction), len(codes) - PAGE - 1) - 1, 0)]


@dataclass
class Context:
    """What the measurements need to know about one database, read from it once it is filled."""

    institutions: int
    deep_cursor: str  # 90 % into the institution list (less if that leaves no full page)
    busy_deep_cursor: str  # the same, into the busy municipality's list
    audit_events: int
    deep_before: int  # the oldest 5 % of the audit log: a page the reader reaches by paging far back
    user: User  # reads the whole log (audit.view_all)
    local_user: User  # reads their own institution's events (audit.view)
    token: str


def context_read(*, user: User, local_user: User, token: str) -> Context:
    total = AuditChainHead.objects.get(id=1).last_seq
    return Context(
        institutions=Institution.objects.count(),
        deep_cursor=_deep_cursor([i.code for i in institutions_list()]),
        busy_deep_cursor=_deep_cursor([i.code for i in institutions_list(municipality=BUSY_MUNICIPALITY)]),
        audit_events=total,
        deep_before=max(int(total * 0.05), 2),
        user=user,
        local_user=local_user,
        token=token,
    )


def api_token(user: User) -> str:
    """A bearer token for the directory API, which answers signed-in staff and integrations only."""
    _token, secret = api_token_issue(user=user, name="benchmark")
    return secret


def _api_page(ctx: Context, **params: Any) -> Callable[[], int]:
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ctx.token}")
    url = "/api/v1/directory/institutions"

    def get() -> int:
        response = client.get(url, {"limit": PAGE, **params})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} {params} answered {response.status_code}: {response.content[:300]!r}")
        return len(response.json()["items"])

    return get


# Each case makes, for one database's context, the call to time. The selector is read as the public reads
# it (user None); the API as an integration with a token does.
DIRECTORY_CASES: dict[str, Callable[[Context], Callable[[], Any]]] = {
    "list_first_page": lambda ctx: lambda: _institutions_page(),
    "list_deep_page": lambda ctx: lambda: _institutions_page(after=ctx.deep_cursor),
    "list_municipality_busy": lambda ctx: lambda: _institutions_page(municipality=BUSY_MUNICIPALITY),
    "list_municipality_busy_deep": lambda ctx: (
        lambda: _institutions_page(municipality=BUSY_MUNICIPALITY, after=ctx.busy_deep_cursor)
    ),
    "list_municipality_quiet": lambda ctx: lambda: _institutions_page(municipality=QUIET_MUNICIPALITY),
    "list_type": lambda ctx: lambda: _institutions_page(institution_type="orphans_court"),
    "list_search": lambda ctx: lambda: _institutions_page(q=SEARCH_TEXT),
    "api_first_page": lambda ctx: _api_page(ctx),
    "api_deep_page": lambda ctx: _api_page(ctx, after=ctx.deep_cursor),
}

WHO_TO_CALL_CASES: dict[str, Callable[[Context], Callable[[], Any]]] = {
    # The answer in the quiet municipality is the same at both sizes; in the busy one it grows with the table.
    "quiet": lambda ctx: lambda: who_to_call(municipality=QUIET_MUNICIPALITY, **SITUATION),
    "busy": lambda ctx: lambda: who_to_call(municipality=BUSY_MUNICIPALITY, **SITUATION),
}

AUDIT_CASES: dict[str, Callable[[Context], Callable[[], Any]]] = {
    "page_first": lambda ctx: lambda: audit_events_page(user=ctx.user),
    "page_deep": lambda ctx: lambda: audit_events_page(user=ctx.user, before=ctx.deep_before),
    "page_action_first": lambda ctx: lambda: audit_events_page(user=ctx.user, action=COMMON_ACTION),
    "page_action_deep": lambda ctx: (
        lambda: audit_events_page(user=ctx.user, action=COMMON_ACTION, before=ctx.deep_before)
    ),
    "page_action_rare": lambda ctx: lambda: audit_events_page(user=ctx.user, action=RARE_ACTION),
    # An institution's own auditor: the scope filter is on the institution column.
    "page_own_institution_first": lambda ctx: lambda: audit_events_page(user=ctx.local_user),
    "page_own_institution_deep": lambda ctx: lambda: audit_events_page(user=ctx.local_user, before=ctx.deep_before),
}


# --- staff accounts and the audit chain ---------------------------------------------------------------------


def staff(*, username: str, capability: str, institution_ids: list[int]) -> User:
    """A synthetic account holding the first pack role with `capability`, in a unit the role allows.

    Roles are held as staff of an institution, so the account gets a unit, preferably in one of
    `institution_ids` (where the synthetic audit events are filed).
    """
    role = next((r for r in Role.objects.filter(is_active=True).order_by("code") if capability in r.capabilities), None)
    if role is None:
        raise RuntimeError(f"No role of the published pack grants {capability!r}.")
    units = Unit.objects.filter(is_active=True, institution__is_active=True).select_related("institution")
    if role.institution_types:
        units = units.filter(institution__type__code__in=role.institution_types)
    ranked = sorted(units, key=lambda u: (u.institution_id not in institution_ids, u.institution.code, u.code))
    if not ranked:
        raise RuntimeError(f"No unit may hold the role {role.code!r}.")
    user, _ = User.objects.update_or_create(
        username=username, defaults={"email": f"{username}@example.lv", "unit": ranked[0], "is_active": True}
    )
    user.roles.set([role])
    return user


def event_institutions() -> list[int]:
    """Institutions with staff units, under which the synthetic audit events are filed."""
    ids = Unit.objects.filter(is_active=True).order_by("institution__code").values_list("institution_id", flat=True)
    return list(dict.fromkeys(ids))[:40]


def verify_checked(ctx: Context) -> None:
    """The generated chain must verify, or every audit number below would be measuring a broken log."""
    outcome = audit_verify()
    if not outcome.ok or outcome.count != ctx.audit_events:
        raise RuntimeError(f"audit_verify on the generated log: {outcome.message} (expected {ctx.audit_events})")


def record_batch(count: int) -> None:
    """`count` events appended by `audit_record`, each in its own transaction as a service writes one."""
    for number in range(count):
        audit_record(
            action="bench.record",
            object_type="bench.Case",
            object_id=number,
            purpose="synthetic benchmark event",
            new_values={"n": number},
        )


# --- jurisdiction packs -------------------------------------------------------------------------------------


def _edited_draft() -> Any:
    """A second version of the model: a draft of the published one with a few edits made through services."""
    draft = version_draft() or model_services.draft_create(pack_code=settings.OPENNRM_PACK, by=None)
    matrix = copy.deepcopy(draft.content["matrix"])
    for entry in matrix[:: max(len(matrix) // 5, 1)][:5]:
        model_services.draft_matrix_entry_save(
            version=draft,
            institution_type=entry["institution_type"],
            stage=entry["stage"],
            functions=entry["functions"],
            description={lang: f"{text} (edited for the benchmark)" for lang, text in entry["description"].items()},
            legal_basis=entry["legal_basis"],
            applies_to=entry.get("applies_to"),
            by=None,
        )
    basis = draft.content["legal_bases"][0]
    model_services.draft_legal_basis_save(
        version=draft,
        legal_basis="bench_fictional_act",
        title={lang: f"Fictional act ({lang})" for lang in basis["title"]},
        citation="Fictional Act of 2000, s. 1 (benchmark)",
        url="https://example.lv/fictional-act",
        by=None,
    )
    draft.refresh_from_db()
    return draft


def pack_measure(*, repeat: int) -> dict[str, Any]:
    """Reading and validating packs/lv, storing it as a draft, and diffing two versions."""
    packs = Path(settings.OPENNRM_PACKS_DIR)
    path = packs / settings.OPENNRM_PACK
    published = version_published()
    draft = _edited_draft()
    generic = load_pack_dir(packs / "generic").model_dump(mode="json")
    diff = diff_packs(published.content, draft.content)
    other = diff_packs(generic, published.content)
    results = {
        "load_and_validate": timed(lambda: load_pack_dir(path), repeat=repeat),
        "validate_stored_content": timed(lambda: validate_content(published.content), repeat=repeat),
        # The service the CLI and the editor use: validate, store the draft, write the audit event.
        "pack_load_service": timed(
            lambda: model_services.pack_load(path=path, by=None, replace_draft=True), repeat=repeat
        ),
        "diff_two_versions": {
            **timed(lambda: diff_packs(published.content, draft.content), repeat=repeat),
            "changed_items": _diff_size(diff),
        },
        "diff_render_text": timed(lambda: render_text(diff, "en"), repeat=repeat),
        "diff_generic_vs_lv": {
            **timed(lambda: diff_packs(generic, published.content), repeat=repeat),
            "changed_items": _diff_size(other),
        },
        "matrix_entries": len(published.content.get("matrix") or []),
    }
    return results


def _diff_size(diff) -> int:
    return (
        len(diff.metadata)
        + len(diff.reserved)
        + sum(len(section.items) + (section.order is not None) for section in diff.sections)
        + sum(1 + len(t.stages) for t in diff.institution_types)
    )
