"""Shapes of the statistics API: tables as published, with codes, labels in the request's language and cells."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class CellOut(Schema):
    # The number when it is published; None for a suppressed cell (then `display` is "< n" or "x").
    value: int | float | None
    display: str
    # "" | "primary" | "secondary"
    suppressed: str = ""


class ColumnOut(Schema):
    code: str
    label: str


class RowOut(Schema):
    code: str
    label: str
    cells: list[CellOut]


class TableOut(Schema):
    id: str
    kind: str
    title: str
    caption: str
    row_dimension: str
    column_dimension: str | None
    unit: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    totals: RowOut | None
    notes: list[str]


class TableSummaryOut(Schema):
    id: str
    kind: str
    title: str
    caption: str


class DpOut(Schema):
    epsilon: float
    mechanism: str
    scale: float
    margin_95: int
    statement: str


class MethodOut(Schema):
    threshold: int
    suppression: str
    secondary_display: str
    dp: DpOut | None


class TableListOut(Schema):
    year: int
    year_from: int
    method: MethodOut
    tables: list[TableSummaryOut]


class PublishedReleaseOut(Schema):
    year: int
    year_from: int
    published_at: datetime
    method: MethodOut
    tables: list[TableOut]
