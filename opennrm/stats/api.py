"""Read-only statistics over JSON (mounted at /api/v1/stats/): the tables of a year after disclosure control.

The same release and the same labelled views as the dashboard, so an API client and a reader of the report see
the same numbers; suppressed cells carry no value. A year's tables need stats.view; the published release is
public, like the public site's statistics page. Labels follow the request's Accept-Language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from ninja import Path, Router

from opennrm.api.auth import api_auth
from opennrm.core.capabilities import Capability
from opennrm.core.errors import Forbidden, NotFoundOrForbidden
from opennrm.stats import selectors
from opennrm.stats.exports import TableView, release_views, table_view
from opennrm.stats.release import Release
from opennrm.stats.report import dp_statement_text, release_current
from opennrm.stats.schemas import (
    CellOut,
    ColumnOut,
    DpOut,
    ErrorOut,
    MethodOut,
    PublishedReleaseOut,
    RowOut,
    TableListOut,
    TableOut,
    TableSummaryOut,
)

router = Router(tags=["statistics"], auth=api_auth)

NOT_STATS_READER = gettext_lazy("Your role does not allow reading statistics.")
YEAR = Path(..., ge=1900, le=2200, description="The reference year of the release.")


def _require_reader(user) -> None:
    if not user.has_capability(Capability.STATS_VIEW):
        raise Forbidden(str(NOT_STATS_READER))


def _method(release: Release) -> MethodOut:
    method = release.method()
    dp = None
    if release.dp:
        dp = DpOut(
            epsilon=release.dp.epsilon,
            mechanism=release.dp.mechanism,
            scale=release.dp.scale,
            margin_95=release.dp.margin_95,
            statement=dp_statement_text(release.dp),
        )
    return MethodOut(
        threshold=release.threshold,
        suppression=method["suppression"],
        secondary_display=method["secondary_display"],
        dp=dp,
    )


def _row(row) -> RowOut:
    cells = []
    for index, value in enumerate(row.values):
        cell = row.cells[index] if index < len(row.cells) else None
        if cell is not None:
            cells.append(CellOut(value=cell.count, display=cell.display, suppressed=cell.suppressed))
        else:
            number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
            cells.append(CellOut(value=number, display=row.texts[index], suppressed=""))
    return RowOut(code=row.code, label=row.label, cells=cells)


def _table_out(release: Release, view: TableView) -> TableOut:
    table = release.tables[view.id]
    return TableOut(
        id=view.id,
        kind=view.kind,
        title=view.title,
        caption=view.caption,
        row_dimension=table.row_dimension,
        column_dimension=getattr(table, "column_dimension", None),
        unit=view.unit,
        columns=[
            ColumnOut(code=code, label=label) for code, label in zip(view.column_codes, view.columns, strict=True)
        ],
        rows=[_row(row) for row in view.rows],
        totals=_row(view.footer[0]) if view.footer else None,
        notes=list(view.notes),
    )


@router.get(
    "/years/{year}/tables",
    response={200: TableListOut, 403: ErrorOut},
    summary="The tables of a year",
    description="Every table of the year's release, after disclosure control (stats.view).",
)
def stats_tables(request, year: int = YEAR):
    _require_reader(request.auth)
    release = release_current(year=year)
    return TableListOut(
        year=release.year,
        year_from=release.year_from,
        method=_method(release),
        tables=[
            TableSummaryOut(id=view.id, kind=view.kind, title=view.title, caption=view.caption)
            for view in release_views(release)
        ],
    )


@router.get(
    "/years/{year}/tables/{table_id}",
    response={200: TableOut, 403: ErrorOut, 404: ErrorOut},
    summary="One table of a year",
    description='Rows and cells as published: suppressed cells have no value, only their display ("< n", "x").',
)
def stats_table(request, table_id: str, year: int = YEAR):
    _require_reader(request.auth)
    release = release_current(year=year)
    if table_id not in release.tables:
        raise NotFoundOrForbidden()
    return _table_out(release, table_view(release, table_id))


@router.get(
    "/releases/latest",
    auth=None,
    response={200: PublishedReleaseOut, 404: ErrorOut},
    summary="The published release",
    description="The latest release published for the public, with its method and noise statement. No sign-in.",
)
def stats_release_published(request):
    published = selectors.published_release_latest_record()
    if published is None:
        raise NotFoundOrForbidden()
    release = selectors.release_of(published)
    return PublishedReleaseOut(
        year=release.year,
        year_from=release.year_from,
        published_at=published.published_at,
        method=_method(release),
        tables=[_table_out(release, view) for view in release_views(release)],
    )
