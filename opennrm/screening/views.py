"""Pages of the recognition screening tool: anyone may screen; signed-in staff may also save the result, and
staff who work on cases may start a referral from it (a new case pre-filled from the screening).

Every step is a plain form (works without JavaScript); the answers so far travel in a signed token
(`forms.ScreeningState`), so nothing is kept on the server until someone chooses to save.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.audit.services import client_ip
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.directory import selectors as directory
from opennrm.directory.views import GROUP_HEADINGS
from opennrm.jurisdiction.selectors import version_pack
from opennrm.screening import selectors, services
from opennrm.screening.forms import AnswersForm, ScreeningState, SituationForm


class _Unusable(Exception):
    """The screening cannot go on (bad token, model gone): the start page says why."""


def _start_page(request, *, form=None, error: str = "", status: int = 200):
    model = selectors.published_model()
    context = {
        "form": form or SituationForm(initial=request.GET.dict() if request.method == "GET" else None),
        "model": model,
        "sets": selectors.indicator_sets(model=model) if model else [],
        "state_error": error,
    }
    return render(request, "screening/start.html", context, status=status)


@require_http_methods(["GET", "POST"])
def start(request):
    if request.method == "GET":
        return _start_page(request)
    model = selectors.published_model()
    form = SituationForm(request.POST)
    if model is None or not form.is_valid():
        return _start_page(request, form=form, status=400)
    state = ScreeningState(model_number=model.number, situation=form.situation())
    return redirect(_step_url(state, 1))


def _step_url(state: ScreeningState, number: int) -> str:
    return f"{reverse('screening:step')}?{urlencode({'state': state.token(), 'step': number})}"


def _result_url(state: ScreeningState) -> str:
    return f"{reverse('screening:result')}?{urlencode({'state': state.token()})}"


def _load(token: str):
    """(state, model, pack, sets, steps) for a token, or _Unusable with the reason."""
    try:
        state = ScreeningState.from_token(token)
    except ValueError as error:
        raise _Unusable(str(error)) from None
    model = selectors.model_for_number(state.model_number)
    if model is None:
        raise _Unusable(gettext("The model this screening was started with is no longer available."))
    pack = version_pack(model)
    sets = selectors.sets_for_situation(pack=pack, situation=state.situation)
    steps = selectors.steps_for_sets(sets)
    if not steps:
        raise _Unusable(gettext("The published model has no indicator set for this situation."))
    return state, model, pack, sets, steps


def _unusable(request, error: _Unusable):
    message = gettext("%(reason)s Please start the screening again.") % {"reason": error}
    return _start_page(request, error=message, status=400)


def _step_number(raw: str | None, count: int) -> int:
    try:
        number = int(raw or "1")
    except ValueError:
        raise _Unusable(gettext("The step number is not valid.")) from None
    if not 1 <= number <= count:
        raise _Unusable(gettext("The step number is not valid."))
    return number


@require_http_methods(["GET", "POST"])
def step(request):
    data = request.POST if request.method == "POST" else request.GET
    try:
        state, model, _pack, sets, steps = _load(data.get("state", ""))
        number = _step_number(data.get("step"), len(steps))
    except _Unusable as error:
        return _unusable(request, error)
    if request.method == "POST":
        form = AnswersForm(request.POST, step=steps[number - 1])
        if form.is_valid():
            state.answers.update(form.answers())
            for key in {q.key for q in steps[number - 1].questions} - set(form.answers()):
                state.answers.pop(key, None)
            if request.POST.get("action") == "back":
                if number == 1:
                    return redirect(_start_again_url(state))
                number -= 1
            elif number == len(steps):
                return redirect(_result_url(state))
            else:
                number += 1
    current = steps[number - 1]
    context = {
        "state": state,
        "token": state.token(),
        "sets": sets,
        "step": current,
        "number": number,
        "count": len(steps),
        "questions": [(q, state.answers.get(q.key, "")) for q in current.questions],
        "model": model,
    }
    return render(request, "screening/step.html", context)


def _start_again_url(state: ScreeningState) -> str:
    situation = state.situation
    query = {"population": situation.population, "form": situation.form, "context": situation.context}
    if situation.municipality:
        query["municipality"] = situation.municipality
    return f"{reverse('screening:start')}?{urlencode(query)}"


def _who_to_call(request, *, situation, municipality: str):
    if not municipality:
        return None
    try:
        entries = directory.who_to_call(
            user=request.user,
            municipality=municipality,
            stage=selectors.WHO_TO_CALL_STAGE,
            population=situation.population,
            nationality=situation.nationality,
        )
    except ApplicationError:
        return None
    groups: dict[str, list] = {}
    for entry in entries:
        groups.setdefault(entry.scope, []).append(entry)
    return [(GROUP_HEADINGS[scope], groups[scope]) for scope in GROUP_HEADINGS if scope in groups]


@require_GET
def result(request):
    try:
        state, model, pack, sets, steps = _load(request.GET.get("state", ""))
    except _Unusable as error:
        return _unusable(request, error)
    by_set = selectors.answers_by_set(steps=steps, answers=state.answers)
    results = [
        selectors.set_result(indicator_set=s, answers=by_set.get(s.id, {}), population=state.situation.population)
        for s in sets
    ]
    outcome = selectors.overall_outcome(results)
    situation = state.situation
    # The place may be chosen on the result page itself, to see whom to call there.
    municipality = request.GET.get("municipality", situation.municipality)
    municipalities = dict(directory.municipality_choices())
    if municipality not in municipalities:
        municipality = ""
    context = {
        "state": state,
        "token": state.token(),
        "situation": situation,
        "population_label": selectors.POPULATION_LABELS.get(situation.population, ""),
        "form_label": selectors.FORM_LABELS.get(situation.form, ""),
        "context_label": selectors.CONTEXT_LABELS.get(situation.context, ""),
        "results": results,
        "outcome": outcome,
        "outcome_label": selectors.OUTCOME_LABELS[outcome],
        "next_steps": selectors.next_steps(
            pack=pack, population=situation.population, nationality=situation.nationality
        ),
        "municipality": municipality,
        "municipality_name": municipalities.get(municipality, ""),
        "municipality_choices": list(municipalities.items()),
        "who_to_call": _who_to_call(request, situation=situation, municipality=municipality),
        "who_to_call_query": urlencode(
            {
                "municipality": municipality,
                "stage": selectors.WHO_TO_CALL_STAGE,
                "population": situation.population,
                "nationality": situation.nationality,
            }
        ),
        "model": model,
        "last_step_url": _step_url(state, len(steps)),
        "can_save": request.user.is_authenticated,
        "can_refer": _can_refer(request.user),
        "sign_in_url": f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}",
    }
    return render(request, "screening/result.html", context)


@login_required
@require_POST
def save(request):
    try:
        state, model, _pack, sets, steps = _load(request.POST.get("state", ""))
    except _Unusable as error:
        return _unusable(request, error)
    by_set = selectors.answers_by_set(steps=steps, answers=state.answers)
    try:
        services.screening_save(
            by=request.user,
            model=model,
            answers={s.id: by_set.get(s.id, {}) for s in sets},
            population=state.situation.population,
            save_key=state.save_key,
            ip_address=client_ip(request),
        )
    except Forbidden:
        raise PermissionDenied from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("The screening was saved without any personal data: only the answers and the outcome.")
        )
    return redirect(_result_url(state))


def _can_refer(user) -> bool:
    # Starting a referral opens a case, which only staff who work on cases may do.
    return user.is_authenticated and user.has_capability(Capability.CASES_EDIT)


@login_required
@require_POST
def refer(request):
    """Save the screening (once) and open the new-case form pre-filled from it.

    Only codes go on to the form: the screening's id, the population, the nationality group and the
    municipality. Nothing about the person exists before the worker opens the case.
    """
    if not _can_refer(request.user):
        raise PermissionDenied
    try:
        state, model, _pack, sets, steps = _load(request.POST.get("state", ""))
    except _Unusable as error:
        return _unusable(request, error)
    screening = selectors.screening_saved(save_key=state.save_key)
    if screening is None:
        by_set = selectors.answers_by_set(steps=steps, answers=state.answers)
        try:
            screening = services.screening_save(
                by=request.user,
                model=model,
                answers={s.id: by_set.get(s.id, {}) for s in sets},
                population=state.situation.population,
                save_key=state.save_key,
                ip_address=client_ip(request),
            )
        except Forbidden:
            raise PermissionDenied from None
        except ApplicationError as error:
            # Saved by a second click a moment ago: carry on with that one.
            screening = selectors.screening_saved(save_key=state.save_key)
            if screening is None:
                messages.error(request, error.message)
                return redirect(_result_url(state))
    situation = state.situation
    # The place may have been chosen on the result page itself.
    municipality = request.POST.get("municipality", situation.municipality)
    if municipality not in dict(directory.municipality_choices()):
        municipality = ""
    query = {
        "screening": screening.pk,
        "population": situation.population,
        "nationality": situation.nationality,
    }
    if municipality:
        query["municipality"] = municipality
    return redirect(f"{reverse('cases:new')}?{urlencode(query)}")


@require_GET
def print_form(request, set_id: str):
    model = selectors.published_model()
    if model is None:
        raise Http404()
    try:
        indicator_set = selectors.access_set(model=model, set_id=set_id)
    except ApplicationError:
        raise Http404() from None
    context = {
        "indicator_set": indicator_set,
        "steps": selectors.steps_for_sets([indicator_set]),
        "model": model,
    }
    return render(request, "screening/print_form.html", context)
