"""Cross-reference checks of a pack's `statistics` section: what the schema cannot see.

Every category a fact can hold must have a place (every HTCDS sex and form value, every outcome and citizenship
group, an age band for every age), the steps, states, institution types and municipalities named must exist, and
each municipality belongs to one region. Like the other checks these read raw data and skip what they cannot read.
"""

from django.utils.translation import gettext

from opennrm.jurisdiction.references import Issues, Path, duplicates, format_path, items, known_ids, unknown_refs

ROOT: Path = ("statistics",)
# The values cases record (cases.Sex and cases.ExploitationForm, HTCDS 2.0 picklists); tests keep them equal.
SEX_VALUES = (
    "Feminine",
    "Masculine",
    "TransgenderFeminine",
    "TransgenderMasculine",
    "NonConforming",
    "NonSpecifiedUnknown",
)
FORM_VALUES = (
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "ForcedCriminality",
    "Other",
)
OUTCOME_VALUES = ("identified", "not_identified", "in_progress", "refused", "withdrawn")
CITIZENSHIP_GROUP_VALUES = ("national", "other_eu", "non_eu", "unknown")


def _ids(listed: list[tuple[int, dict]]) -> set[str]:
    return {item["id"] for _index, item in listed if isinstance(item.get("id"), str)}


def _complete(listed: list[tuple[int, dict]], path: Path, values: tuple[str, ...], what: str = "") -> Issues:
    """Every value must be listed and, when `what` names them (the schema does not check them), only those."""
    issues: Issues = []
    for index, item in listed if what else ():
        ident = item.get("id")
        if isinstance(ident, str) and ident not in values:
            issues.append(
                (
                    (*path, index, "id"),
                    gettext("'%(id)s' is not a %(what)s the software knows (known: %(known)s)")
                    % {"id": ident, "what": what, "known": ", ".join(values)},
                )
            )
    missing = [value for value in values if value not in _ids(listed)]
    if missing and listed:
        issues.append((path, gettext("categories missing: %(missing)s") % {"missing": ", ".join(missing)}))
    return issues


def _age_band_issues(listed: list[tuple[int, dict]], path: Path) -> Issues:
    """Bands in order, without gaps or overlaps, from age 0 to an open-ended last band: every age has one band."""
    bands = [
        (index, item.get("min"), item.get("max"))
        for index, item in listed
        if isinstance(item.get("min"), int) and (item.get("max") is None or isinstance(item.get("max"), int))
    ]
    if len(bands) != len(listed) or not bands:
        return []
    issues: Issues = []
    expected = 0
    for position, (index, low, high) in enumerate(bands):
        if high is not None and high < low:
            issues.append(((*path, index, "max"), gettext("must not be smaller than min")))
            return issues
        if low != expected:
            issues.append(
                (
                    (*path, index, "min"),
                    gettext("must be %(expected)d: the bands must follow each other without gaps or overlaps")
                    % {"expected": expected},
                )
            )
            return issues
        if high is None and position != len(bands) - 1:
            issues.append(((*path, index, "max"), gettext("only the last band may be open-ended")))
            return issues
        expected = (high or 0) + 1
    if bands[-1][2] is not None:
        issues.append(((*path, bands[-1][0], "max"), gettext("the last band must be open-ended (no max)")))
    return issues


def _region_issues(content: dict, listed: list[tuple[int, dict]], path: Path) -> Issues:
    known = known_ids(content, "municipalities")
    issues: Issues = []
    seen: dict[str, int] = {}
    for index, region in listed:
        issues += unknown_refs(
            region, (*path, index), "municipalities", known, gettext("unknown municipality '%(id)s'"), True
        )
        municipalities = region.get("municipalities")
        for position, municipality in enumerate(municipalities if isinstance(municipalities, list) else []):
            if not isinstance(municipality, str):
                continue
            if municipality in seen:
                issues.append(
                    (
                        (*path, index, "municipalities", position),
                        gettext("municipality '%(id)s' is already in region %(other)s")
                        % {"id": municipality, "other": format_path((*path, seen[municipality]))},
                    )
                )
            else:
                seen[municipality] = index
    if listed and known:
        missing = sorted(known - set(seen))
        if missing:
            issues.append((path, gettext("municipalities in no region: %(missing)s") % {"missing": ", ".join(missing)}))
    return issues


def _workflow_refs(content: dict, dimensions: dict) -> Issues:
    """Steps and states must exist in the pack's workflow; institution types in the pack."""
    workflow = content.get("workflow")
    workflow = workflow if isinstance(workflow, dict) else {}
    transitions = known_ids(workflow, "transitions") if workflow else set()
    states = known_ids(workflow, "states") if workflow else set()
    types = known_ids(content, "institution_types")
    issues: Issues = []
    base = (*ROOT, "dimensions")
    unknown_transition = gettext("unknown transition '%(id)s'")
    checks = {
        "outcome": (
            ("transitions", transitions, unknown_transition),
            ("states", states, gettext("unknown state '%(id)s'")),
        ),
        "identification_route": (
            ("transitions", transitions, unknown_transition),
            ("institution_types", types, gettext("unknown institution type '%(id)s'")),
        ),
        "service": (("transitions", transitions, unknown_transition),),
    }
    for name, fields in checks.items():
        for index, item in items(dimensions, name):
            for field_name, known, message in fields:
                issues += unknown_refs(item, (*base, name, index), field_name, known, message, True)
    return issues


def _eurostat_issues(section: dict, dimensions: dict) -> Issues:
    eurostat = section.get("eurostat")
    if not isinstance(eurostat, dict):
        return []
    issues: Issues = []
    for name, dimension in (("citizenship", "citizenship_group"), ("sex", "sex"), ("form", "form")):
        known = _ids(items(dimensions, dimension)) or None
        mapped: set[str] = set()
        for index, entry in items(eurostat, name):
            path = (*ROOT, "eurostat", name, index)
            issues += unknown_refs(entry, path, "categories", known, gettext("unknown category '%(id)s'"), True)
            categories = entry.get("categories")
            for position, category in enumerate(categories if isinstance(categories, list) else []):
                if category in mapped:
                    issues.append(
                        (
                            (*path, "categories", position),
                            gettext("category '%(id)s' is already mapped to another code") % {"id": category},
                        )
                    )
                mapped.add(category)
    return issues


def statistics_issues(content: dict) -> Issues:
    """Every problem of the pack's `statistics` section that needs the rest of the pack."""
    section = content.get("statistics")
    if not isinstance(section, dict) or not section:
        return []
    dimensions = section.get("dimensions")
    if not isinstance(dimensions, dict):
        return []
    base = (*ROOT, "dimensions")
    issues: Issues = []
    for name in dimensions:
        issues += duplicates(items(dimensions, name), (*base, name))
    issues += _complete(items(dimensions, "sex"), (*base, "sex"), SEX_VALUES, gettext("sex value"))
    issues += _complete(items(dimensions, "form"), (*base, "form"), FORM_VALUES, gettext("form of exploitation"))
    issues += _complete(items(dimensions, "outcome"), (*base, "outcome"), OUTCOME_VALUES)
    issues += _complete(items(dimensions, "citizenship_group"), (*base, "citizenship_group"), CITIZENSHIP_GROUP_VALUES)
    issues += _age_band_issues(items(dimensions, "age_band"), (*base, "age_band"))
    issues += _region_issues(content, items(dimensions, "region"), (*base, "region"))
    issues += _workflow_refs(content, dimensions)
    issues += _eurostat_issues(section, dimensions)
    workflow = content.get("workflow")
    issues += unknown_refs(
        section,
        ROOT,
        "htcds_consent_purpose",
        known_ids(workflow, "consent_purposes") if isinstance(workflow, dict) and workflow else set(),
        gettext("unknown consent purpose '%(id)s'"),
        False,
    )
    issues += unknown_refs(
        section,
        ROOT,
        "htcds_recipient_type",
        known_ids(content, "institution_types"),
        gettext("unknown institution type '%(id)s'"),
        False,
    )
    return issues
