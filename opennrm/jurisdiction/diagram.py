"""The pathway diagram: the stages of the process in order, beside each the institution types acting at it.

A vertical layout keeps the text at a readable size on an A4 page and on a phone, where a left-to-right chain
of seven stages would have to shrink. Whether an institution is a first contact or a responder is shown by a
word and a border style, never by colour alone. The output depends only on its arguments, so it can be cached
and compared.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils import translation
from django.utils.translation import gettext

from opennrm.core.i18n import localized

WIDTH = 800
MARGIN = 16
STAGE_WIDTH = 200
GAP = 16
COLUMNS = 2
BOX_WIDTH = (WIDTH - 2 * MARGIN - STAGE_WIDTH - GAP - (COLUMNS - 1) * GAP) // COLUMNS
LINE = 16
SMALL_LINE = 14
PAD = 8
# Average glyph advance of the (bold) sans-serif face at 13px, measured on Latvian names with their long
# diacritic-rich words; wrapping errs on the short side.
CHAR_WIDTH = 8.0
SMALL_CHAR_WIDTH = 6.4
ARROW_GAP = 28
FIRST_CONTACT = "first_contact"


def _get(item: Any, name: str, default: Any = None) -> Any:
    # Accepts the pydantic pack and its plain-dict form alike, so the CLI and tests can pass either.
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _wrap(text: str, width: float, char_width: float) -> list[str]:
    limit = max(8, int(width / char_width))
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1 :]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def _text(x: float, y: float, lines: Iterable[str], *, css_class: str, line_height: int) -> str:
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if index == 0 else line_height}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text x="{x:g}" y="{y:g}" class="{css_class}">{spans}</text>'


class _Actor:
    """One institution type at one stage, with its wrapped lines and the box height they need."""

    def __init__(self, *, name: str, tag: str, functions: str, first_contact: bool) -> None:
        self.name = name
        self.first_contact = first_contact
        inner = BOX_WIDTH - 2 * PAD
        self.tag_line = tag
        self.name_lines = _wrap(name, inner, CHAR_WIDTH)
        self.function_lines = _wrap(functions, inner, SMALL_CHAR_WIDTH) if functions else []
        self.height = 2 * PAD + SMALL_LINE + LINE * len(self.name_lines) + SMALL_LINE * len(self.function_lines)

    def render(self, x: float, y: float) -> str:
        dash = ' stroke-dasharray="6 4"' if self.first_contact else ""
        radius = 10 if self.first_contact else 0
        parts = [
            '<g class="actor">',
            f'<rect x="{x:g}" y="{y:g}" width="{BOX_WIDTH}" height="{self.height}" rx="{radius}" '
            f'class="actor-box"{dash}/>',
            _text(x + PAD, y + PAD + 11, [self.tag_line], css_class="tag", line_height=SMALL_LINE),
            _text(x + PAD, y + PAD + SMALL_LINE + 12, self.name_lines, css_class="name", line_height=LINE),
        ]
        if self.function_lines:
            top = y + PAD + SMALL_LINE + LINE * len(self.name_lines) + 11
            parts.append(_text(x + PAD, top, self.function_lines, css_class="functions", line_height=SMALL_LINE))
        parts.append("</g>")
        return "".join(parts)


def _actors_by_stage(pack: Any, language: str) -> dict[str, list[_Actor]]:
    types = {_get(t, "id"): t for t in _get(pack, "institution_types", [])}
    function_names = {_get(f, "id"): localized(_get(f, "name"), language) for f in _get(pack, "functions", [])}
    type_order = {type_id: index for index, type_id in enumerate(types)}
    entries = sorted(
        _get(pack, "matrix", []),
        key=lambda e: (
            type_order.get(_get(e, "institution_type"), len(type_order)),
            _get(e, "institution_type"),
        ),
    )
    result: dict[str, list[_Actor]] = {}
    for entry in entries:
        type_id = _get(entry, "institution_type")
        institution_type = types.get(type_id)
        first_contact = institution_type is not None and _get(institution_type, "category") == FIRST_CONTACT
        name = localized(_get(institution_type, "name"), language) if institution_type is not None else type_id
        functions = ", ".join(function_names.get(f, f) for f in _get(entry, "functions", []))
        result.setdefault(_get(entry, "stage"), []).append(
            _Actor(
                name=name,
                tag=gettext("First contact") if first_contact else gettext("Responder"),
                functions=functions,
                first_contact=first_contact,
            )
        )
    return result


STYLE = (
    "text{font-family:system-ui,'DejaVu Sans',sans-serif;fill:#1b1f24}"
    ".title{font-size:18px;font-weight:700}"
    ".stage-box{fill:#0b3d5c;stroke:#0b3d5c}"
    ".stage-name{font-size:14px;font-weight:700;fill:#ffffff}"
    ".actor-box{fill:#ffffff;stroke:#1b1f24;stroke-width:1.5}"
    ".tag{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;fill:#4a5460}"
    ".name{font-size:13px;font-weight:600}"
    ".functions{font-size:11.5px;fill:#4a5460}"
    ".none{font-size:12px;font-style:italic;fill:#4a5460}"
    ".arrow{stroke:#1b1f24;stroke-width:2;fill:none}"
    ".arrow-head{fill:#1b1f24}"
    ".legend{font-size:12px}"
)


def pathway_svg(pack: Any, language: str) -> str:
    """An accessible SVG of the process: stages in order, each with the institution types acting at it."""
    with translation.override(language):
        return _render(pack, language)


def _render(pack: Any, language: str) -> str:
    meta = _get(pack, "pack", {})
    title = gettext("Pathway: %(model)s") % {"model": localized(_get(meta, "name"), language)}
    stages = list(_get(pack, "stages", []))
    actors = _actors_by_stage(pack, language)
    body: list[str] = []
    summary: list[str] = []
    y = MARGIN + 20
    # A pack's name can be a long sentence: wrapped, never cut off at the edge of the picture.
    title_lines = _wrap(title, WIDTH - 2 * MARGIN, 9.0)
    body.append(_text(MARGIN, y, title_lines, css_class="title", line_height=LINE + 4))
    y += 18 + (LINE + 4) * (len(title_lines) - 1)
    # The legend explains the two border styles in words, so nothing depends on seeing colour.
    first_contact_key = gettext("dashed, rounded: first contact")
    body.append(f'<rect x="{MARGIN}" y="{y}" width="28" height="16" rx="6" class="actor-box" stroke-dasharray="6 4"/>')
    body.append(_text(MARGIN + 36, y + 12, [first_contact_key], css_class="legend", line_height=14))
    legend_x = MARGIN + 36 + round(len(first_contact_key) * SMALL_CHAR_WIDTH) + 2 * GAP
    body.append(f'<rect x="{legend_x}" y="{y}" width="28" height="16" class="actor-box"/>')
    body.append(_text(legend_x + 36, y + 12, [gettext("solid, square: responder")], css_class="legend", line_height=14))
    y += 16 + 2 * GAP

    for index, stage in enumerate(stages, start=1):
        stage_name = localized(_get(stage, "name"), language)
        label = gettext("%(number)s. %(stage)s") % {"number": index, "stage": stage_name}
        stage_lines = _wrap(label, STAGE_WIDTH - 2 * PAD, 8.0)
        stage_height = 2 * PAD + LINE * len(stage_lines)
        stage_actors = actors.get(_get(stage, "id"), [])
        rows = [stage_actors[i : i + COLUMNS] for i in range(0, len(stage_actors), COLUMNS)]
        rows_height = sum(max(a.height for a in row) for row in rows) + GAP * max(0, len(rows) - 1)
        band = max(stage_height, rows_height, 2 * PAD + LINE)

        stage_anchor = quoteattr(f"pathway-stage-{_get(stage, 'id')}")
        body.append(f'<g class="stage" id={stage_anchor}>')
        body.append(
            f'<rect x="{MARGIN}" y="{y}" width="{STAGE_WIDTH}" height="{stage_height}" rx="4" class="stage-box"/>'
        )
        body.append(_text(MARGIN + PAD, y + PAD + 12, stage_lines, css_class="stage-name", line_height=LINE))
        left = MARGIN + STAGE_WIDTH + GAP
        if not rows:
            body.append(
                _text(
                    left,
                    y + PAD + 12,
                    [gettext("No institution is assigned to this stage.")],
                    css_class="none",
                    line_height=LINE,
                )
            )
        row_y = y
        for row in rows:
            for column, actor in enumerate(row):
                body.append(actor.render(left + column * (BOX_WIDTH + GAP), row_y))
            row_y += max(a.height for a in row) + GAP
        body.append("</g>")

        names = ", ".join(
            f"{a.name} ({gettext('first contact') if a.first_contact else gettext('responder')})" for a in stage_actors
        ) or gettext("no institution")
        summary.append(f"{label}: {names}.")

        stage_bottom = y + stage_height
        y += band
        if index < len(stages):
            # The arrow runs from this stage's box to the next one, however tall this stage's band is.
            x = MARGIN + STAGE_WIDTH / 2
            body.append(f'<line x1="{x:g}" y1="{stage_bottom + 4}" x2="{x:g}" y2="{y + ARROW_GAP - 8}" class="arrow"/>')
            body.append(
                f'<polygon points="{x - 6:g},{y + ARROW_GAP - 10} {x + 6:g},{y + ARROW_GAP - 10} '
                f'{x:g},{y + ARROW_GAP - 2}" class="arrow-head"/>'
            )
            y += ARROW_GAP
    height = y + MARGIN

    description = " ".join(
        [gettext("The stages of the process in order, with the institutions acting at each."), *summary]
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="pathway-title pathway-desc" '
        f"lang={quoteattr(language)}>"
        f'<title id="pathway-title">{escape(title)}</title>'
        f'<desc id="pathway-desc">{escape(description)}</desc>'
        f"<style>{STYLE}</style>"
        f"{''.join(body)}</svg>"
    )
