"""What is measured: each function reads through the real selectors and services, as the views and API do."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from benchmarks.measure import measured, timed
from opennrm.accounts.models import Role, User
from opennrm.accounts.services import api_token_issue
from opennrm.audit.models import AuditChainHead
from opennrm.audit.selectors import audit_events_page
from opennrm.audit.services import audit_record
from opennrm.audit.verify import audit_verify
from opennrm.directory.models import Institution
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
    return rows


def _deep_cursor(fraction: float) -> str:
    codes = Institution.objects.filter(is_active=True, type__is_active=True).order_by("code")
    total = codes.count()
    return codes.values_list("code", flat=True)[max(int(total * fraction) - 1, 0)]


def api_token(user: User) -> str:
    """A bearer token for the directory API, which answers signed-in staff and integrations only."""
    _token, secret = api_token_issue(user=user, name="benchmark")
    return secret


def directory_measure(*, repeat: int, token: str) -> dict[str, Any]:
    """Institution list pages (selector as the public reads it; API as an integration reads it)."""
    deep = _deep_cursor(0.9)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    api = "/api/v1/directory/institutions"

    def api_get(**params: Any) -> None:
        response = client.get(api, params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {api} {params} answered {response.status_code}: {response.content[:300]!r}")

    cases = {
        "list_first_page": lambda: _institutions_page(),
        "list_deep_page": lambda: _institutions_page(after=deep),
        "list_municipality_busy": lambda: _institutions_page(municipality=BUSY_MUNICIPALITY),
        "list_municipality_busy_deep": lambda: _institutions_page(municipality=BUSY_MUNICIPALITY, after=deep),
        "list_municipality_quiet": lambda: _institutions_page(municipality=QUIET_MUNICIPALITY),
        "list_type": lambda: _institutions_page(institution_type="orphans_court"),
        "list_search": lambda: _institutions_page(q=SEARCH_TEXT),
        "api_first_page": lambda: api_get(limit=PAGE),
        "api_deep_page": lambda: api_get(limit=PAGE, after=deep),
    }
    results: dict[str, Any] = {
        "institutions": Institution.objects.count(),
        "deep_cursor": deep,
    }
    for name, fn in cases.items():
        results[name] = {**measured(fn, repeat=repeat), "rows": _rows(fn)}
    return results


def _rows(fn) -> int | None:
    result = fn()
    return min(len(result), PAGE) if isinstance(result, list) else None


def who_to_call_measure(*, repeat: int) -> dict[str, Any]:
    """'Who to call' for a municipality with a fixed answer and for one whose answer grows with the table."""
    results = {}
    for label, place in (("quiet", QUIET_MUNICIPALITY), ("busy", BUSY_MUNICIPALITY)):

        def call(place: str = place) -> list:
            return who_to_call(municipality=place, **SITUATION)

        results[label] = {**measured(call, repeat=repeat), "municipality": place, "entries": len(call())}
    return results


# --- audit log ----------------------------------------------------------------------------------------------


def auditor() -> User:
    """A synthetic account holding the pack's auditor role, to read the log through its access check."""
    user, _ = User.objects.get_or_create(username="bench-auditor", defaults={"email": "bench-auditor@example.lv"})
    user.roles.set(Role.objects.filter(code="auditor"))
    return user


def audit_measure(*, repeat: int, verify_repeat: int, record_count: int, user: User) -> dict[str, Any]:
    """Audit pages near the head and deep in the log, a full chain check, and the cost of appending."""
    total = AuditChainHead.objects.get(id=1).last_seq
    deep = max(int(total * 0.05), 2)  # the oldest 5 %: a page the reader reaches by paging far back
    cases = {
        "page_first": lambda: audit_events_page(user=user),
        "page_deep": lambda: audit_events_page(user=user, before=deep),
        "page_action_first": lambda: audit_events_page(user=user, action=COMMON_ACTION),
        "page_action_deep": lambda: audit_events_page(user=user, action=COMMON_ACTION, before=deep),
        "page_action_rare": lambda: audit_events_page(user=user, action=RARE_ACTION),
    }
    results: dict[str, Any] = {"events": total, "deep_before": deep}
    for name, fn in cases.items():
        results[name] = {**measured(fn, repeat=repeat), "rows": len(fn().events)}

    outcome = audit_verify()
    if not outcome.ok or outcome.count != total:
        raise RuntimeError(f"audit_verify on the generated log: {outcome.message} (expected {total} events)")
    verify = timed(audit_verify, repeat=verify_repeat, warmup=0)
    verify["events"] = outcome.count
    verify["events_per_second"] = round(outcome.count / (verify["median_ms"] / 1000))
    results["verify"] = verify

    results["record"] = _record_cost(record_count)
    return results


def _record_cost(count: int) -> dict[str, Any]:
    # Each call is its own transaction, as when a service writes one change and its event.
    start = time.perf_counter()
    for number in range(count):
        audit_record(
            action="bench.record",
            object_type="bench.Case",
            object_id=number,
            purpose="synthetic benchmark event",
            new_values={"n": number},
        )
    elapsed = time.perf_counter() - start
    return {"events": count, "total_ms": round(elapsed * 1000, 3), "per_event_ms": round(elapsed * 1000 / count, 4)}


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
