"""Public help pages: where to get help, the anonymous self-check, the published indicators and statistics.

No page here needs a sign-in or JavaScript. The self-check keeps nothing: its answers travel in the form's own
fields from one step to the next and are gone with the response; it sets no cookie and nothing may store it. Where
to get help treats the place and the situation the same way.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from opennrm.core.errors import ApplicationError
from opennrm.directory import selectors as directory
from opennrm.portal import help_finder
from opennrm.portal.self_check import PublicHelp, Track, public_help, read_answers, self_check_evaluate
from opennrm.screening import selectors as screening

ANSWER_LABELS = (("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not sure")))
# next: forward (the result after the last step); back: one step back; result: the result again (another
# municipality chosen); review: from the result back to the last step.
ACTIONS = ("next", "back", "result", "review")


def _private(view):
    """What every self-check and help finder response needs so that it leaves no trace beyond the visitor's own
    screen: never stored by the browser or a proxy, and no address of it sent to the next site.

    It also sets no cookie: their forms carry no CSRF token (see self_check_track and help_page), and for a visitor
    who is not signed in the layout renders none either (the language switcher needs no token)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


# ---- where to get help ---------------------------------------------------------------------------------------
# The place and the situation say more about the visitor than anything else on the site, so they never go into an
# address: the form posts them, and the answer leaves no trace, like the self-check's (`_private`).

FINDER_FIELDS = ("municipality", "situation")


# A POST without a CSRF token is safe here for the self-check's reason: the finder changes nothing on the server
# and only shows public contacts for what was sent, so a forged request from another site achieves nothing; a token
# would need a cookie, and the finder sets none.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@_private
def help_page(request):
    if request.method == "GET" and any(name in request.GET for name in FINDER_FIELDS):
        # An old link with the choice in its address: the clean form, so that the choice is not shown again and
        # stays out of this page's address, and out of the history it is written to from now on.
        return redirect("portal:help")
    help = public_help()
    if help is None:
        return render(request, "portal/help/unavailable.html", {"nav": "help"})
    data = request.POST if request.method == "POST" else {}
    # Without a municipality the page was only opened (perhaps with a situation chosen elsewhere): no errors yet.
    bound = data if "municipality" in data else None
    form = help_finder.HelpFinderForm(bound, initial={n: data[n] for n in FINDER_FIELDS if n in data}, help=help)
    answer = None
    if form.is_bound and form.is_valid():
        try:
            answer = help_finder.help_for(
                help=help,
                municipality=form.cleaned_data["municipality"],
                situation=form.cleaned_data["situation"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
    context = {
        "nav": "help",
        "help": help,
        "form": form,
        "answer": answer,
        "hotlines": help_finder.hotlines(help=help),
        "quick_exit_url": help.quick_exit_url,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "portal/help/help.html", context, status=status)


# ---- the self-check ------------------------------------------------------------------------------------------


@require_GET
@_private
def self_check(request):
    help = public_help()
    if help is None or not help.tracks:
        return render(request, "portal/help/unavailable.html", {"nav": "help", "self_check": True})
    return render(
        request,
        "portal/help/self_check.html",
        {"nav": "help", "help": help, "quick_exit_url": help.quick_exit_url},
    )


# A POST without a CSRF token is safe here: the self-check changes nothing on the server and returns only what
# the visitor sent, so a forged request from another site can achieve nothing. Requiring a token would need the
# CSRF cookie, and the self-check sets no cookie. POST rather than GET keeps the answers out of the address, the
# browser's history and server logs.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@_private
def self_check_track(request, track_id: str):
    help = public_help()
    track = help.track(track_id) if help else None
    if help is None or track is None:
        raise Http404
    if request.method == "GET":
        return _step_page(request, help=help, track=track, number=1, answers={})
    data = request.POST
    answers, errors = read_answers(track, data)
    municipality = data.get("municipality", "")
    if municipality and municipality not in dict(directory.municipality_choices()):
        errors.append((None, gettext("Unknown municipality '%(code)s'. Please choose again.") % {"code": municipality}))
        municipality = ""
    try:
        number = int(data.get("step", "1"))
    except ValueError:
        number = 0
    if not 1 <= number <= len(track.steps):
        errors.append((None, gettext("The step number is not valid. The self-check starts again from the beginning.")))
        number = 1
    action = data.get("action", "next")
    if action not in ACTIONS:
        errors.append((None, gettext("Unknown action '%(action)s'.") % {"action": action}))
    if errors:
        return _step_page(
            request,
            help=help,
            track=track,
            number=number,
            answers=answers,
            municipality=municipality,
            errors=errors,
            status=400,
        )
    if action in ("back", "review"):
        # "review" comes from the result page: the last step again, with every answer as it was.
        shown = max(1, number - 1) if action == "back" else len(track.steps)
        return _step_page(request, help=help, track=track, number=shown, answers=answers, municipality=municipality)
    if action == "next" and number < len(track.steps):
        return _step_page(
            request, help=help, track=track, number=number + 1, answers=answers, municipality=municipality
        )
    return _result_page(request, help=help, track=track, answers=answers, municipality=municipality)


def _hidden_answers(track: Track, answers: dict[str, str], *, except_step: int | None = None) -> list[tuple[str, str]]:
    """(field name, answer) of the answers not asked on the page shown: they travel on in hidden fields."""
    shown = {q.id for q in track.steps[except_step - 1].questions} if except_step else set()
    return [(q.field_name, answers[q.id]) for q in track.questions if q.id in answers and q.id not in shown]


def _step_page(
    request, *, help: PublicHelp, track: Track, number: int, answers, municipality: str = "", errors=(), status=200
):
    step = track.steps[number - 1]
    context = {
        "nav": "help",
        "help": help,
        "track": track,
        "step": step,
        "number": number,
        "count": len(track.steps),
        "questions": [(q, answers.get(q.id, "")) for q in step.questions],
        "hidden": _hidden_answers(track, answers, except_step=number),
        "answer_labels": [(value, str(label)) for value, label in ANSWER_LABELS],
        "errors": list(errors),
        "municipality": municipality,
        "municipality_choices": directory.municipality_choices() if number == len(track.steps) else [],
        "quick_exit_url": help.quick_exit_url,
    }
    return render(request, "portal/help/self_check_step.html", context, status=status)


def _result_page(request, *, help: PublicHelp, track: Track, answers, municipality: str):
    result = self_check_evaluate(help=help, track=track, answers=answers)
    answer = None
    if municipality:
        try:
            answer = help_finder.help_for(help=help, municipality=municipality, situation=track.situation)
        except ApplicationError:
            answer = None
    context = {
        "nav": "help",
        "help": help,
        "track": track,
        "result": result,
        "answer": answer,
        "situation": help.situation(track.situation),
        "hotlines": help_finder.hotlines(help=help),
        "hidden": _hidden_answers(track, answers),
        "count": len(track.steps),
        "municipality": municipality,
        "municipality_choices": directory.municipality_choices(),
        "quick_exit_url": help.quick_exit_url,
    }
    return render(request, "portal/help/self_check_result.html", context)


# ---- the published indicators --------------------------------------------------------------------------------


def _threshold_words(threshold: dict) -> str:
    """A presence threshold in words: "1 strong indicator + 1 medium or weak indicator"."""
    strong, medium, weak, either = (
        int(threshold.get(key) or 0) for key in ("strong", "medium", "weak", "medium_or_weak")
    )
    words = []
    if strong:
        words.append(ngettext("%(count)d strong indicator", "%(count)d strong indicators", strong) % {"count": strong})
    if medium:
        words.append(ngettext("%(count)d medium indicator", "%(count)d medium indicators", medium) % {"count": medium})
    if weak:
        words.append(ngettext("%(count)d weak indicator", "%(count)d weak indicators", weak) % {"count": weak})
    if either:
        words.append(
            ngettext("%(count)d medium or weak indicator", "%(count)d medium or weak indicators", either)
            % {"count": either}
        )
    return " + ".join(words)


def _rule_view(rule: dict | None, names: dict[str, dict]) -> dict | None:
    if not rule:
        return None
    return {
        "present": [_threshold_words(threshold) for threshold in rule.get("present") or ()],
        "indicative": [[names.get(d, {d: d}) for d in group] for group in rule.get("indicative") or ()],
    }


def _published_sets():
    model = screening.published_model()
    return (model, screening.indicator_sets(model=model)) if model else (None, [])


@require_GET
def indicators(request):
    model, sets = _published_sets()
    return render(request, "portal/help/indicators.html", {"nav": "model", "model": model, "sets": sets})


@require_GET
def indicator_set(request, set_id: str):
    model, sets = _published_sets()
    found = next((s for s in sets if s.id == set_id), None)
    if found is None:
        raise Http404
    names = {d.id: d.name for d in found.dimensions}
    dimensions = [(d, [i for i in found.indicators if i.dimension == d.id]) for d in found.dimensions]
    context = {
        "nav": "model",
        "model": model,
        "set": found,
        "dimensions": dimensions,
        "rule": _rule_view(found.rule.model_dump(), names),
        "child_rule": _rule_view(found.child_rule.model_dump() if found.child_rule else None, names),
    }
    return render(request, "portal/help/indicator_set.html", context)


# ---- the published statistics --------------------------------------------------------------------------------
# The statistics app publishes a disclosure-controlled release; this page shows that release and nothing else.
# The app is imported when the page is asked for, so the public site works while statistics are not set up.


def _statistics_labels():
    """Names for a release's codes from the statistics app's labels, or the codes themselves without it."""
    try:
        from opennrm.stats import labels
    except ImportError:
        labels = None
    return labels


def _table_view(table, labels) -> dict:
    rows = table.row_dimension

    def names(dimension: str, codes) -> list[str]:
        return labels.category_labels(dimension, list(codes)) if labels else list(codes)

    view = {
        "id": table.id,
        "title": labels.table_title(table.id) if labels else table.id.replace("_", " "),
        "row_heading": labels.dimension_label(rows) if labels else rows.replace("_", " "),
        "note": labels.table_note(table.note) if labels and table.note else "",
    }
    if getattr(table, "kind", "count") == "duration":
        view.update(
            kind="duration", unit=table.unit, rows=list(zip(names(rows, table.row_codes), table.rows, strict=True))
        )
        return view
    view.update(
        kind="count",
        columns=names(table.column_dimension, table.column_codes),
        rows=[
            (name, [cell.display for cell in cells], total.display)
            for name, cells, total in zip(names(rows, table.row_codes), table.cells, table.row_totals, strict=True)
        ],
        column_totals=[cell.display for cell in table.column_totals],
        total=table.total.display,
    )
    return view


def _release_view() -> dict | None:
    try:
        from opennrm.stats.selectors import release_published_latest
    except ImportError:
        return None
    release = release_published_latest()
    if release is None:
        return None
    labels = _statistics_labels()
    return {
        "year": release.year,
        "year_from": release.year_from,
        "threshold": release.threshold,
        "dp": release.dp,
        "suppression_note": labels.suppression_note(release.threshold) if labels else "",
        "dp_note": labels.dp_note(release.dp) if labels and release.dp else "",
        "tables": [_table_view(table, labels) for table in release.tables.values()],
    }


@require_GET
def statistics(request):
    return render(request, "portal/help/statistics.html", {"nav": "public_statistics", "release": _release_view()})
