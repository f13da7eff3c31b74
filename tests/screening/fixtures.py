"""Small synthetic indicator sets for tests: the six ILO dimensions and the ILO default rule, two or three
indicators per dimension. Shaped like a pack's `indicator_sets` entries (what `Pack.model_dump(mode="json")` gives).

Use `adult_set()` / `child_set()` for a fresh copy a test may change.
"""

import copy

SOURCE = "Test fixture after ILO & European Commission, Operational indicators (2009)"

ILO_PRESENT = [
    {"strong": 2, "medium": 0, "weak": 0, "medium_or_weak": 0},
    {"strong": 1, "medium": 0, "weak": 0, "medium_or_weak": 1},
    {"strong": 0, "medium": 3, "weak": 0, "medium_or_weak": 0},
    {"strong": 0, "medium": 2, "weak": 1, "medium_or_weak": 0},
]
RECRUITMENT = ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"]
DESTINATION = ["exploitative_conditions", "coercion_at_destination", "abuse_of_vulnerability_at_destination"]
ADULT_INDICATIVE = [
    RECRUITMENT,
    ["exploitative_conditions"],
    ["coercion_at_destination", "abuse_of_vulnerability_at_destination"],
]
CHILD_INDICATIVE = [RECRUITMENT, DESTINATION]

DIMENSIONS = [
    ("deceptive_recruitment", "Maldinoša vervēšana", "Deceptive recruitment", "Обманная вербовка"),
    ("coercive_recruitment", "Piespiedu vervēšana", "Coercive recruitment", "Принудительная вербовка"),
    (
        "recruitment_abuse_of_vulnerability",
        "Ievainojamības izmantošana vervēšanā",
        "Abuse of vulnerability at recruitment",
        "Злоупотребление уязвимостью при вербовке",
    ),
    ("exploitative_conditions", "Ekspluatējoši apstākļi", "Exploitative conditions", "Эксплуататорские условия"),
    (
        "coercion_at_destination",
        "Piespiešana galamērķī",
        "Coercion at destination",
        "Принуждение в месте назначения",
    ),
    (
        "abuse_of_vulnerability_at_destination",
        "Ievainojamības izmantošana galamērķī",
        "Abuse of vulnerability at destination",
        "Злоупотребление уязвимостью в месте назначения",
    ),
]

# (id suffix, dimension, strength, English question). Questions are fixture text, not the shipped wording.
INDICATORS = [
    ("deceived_about_job", "deceptive_recruitment", "strong", "Was the person misled about the kind of work?"),
    ("deceived_about_pay", "deceptive_recruitment", "medium", "Was the person misled about the pay?"),
    ("deceived_about_papers", "deceptive_recruitment", "weak", "Was the person misled about the papers needed?"),
    ("threatened_to_go", "coercive_recruitment", "strong", "Was the person threatened into going?"),
    ("debt_at_recruitment", "coercive_recruitment", "medium", "Did the person take on a debt to be recruited?"),
    ("poverty_used", "recruitment_abuse_of_vulnerability", "medium", "Did the recruiter use the person's poverty?"),
    ("lack_of_language", "recruitment_abuse_of_vulnerability", "weak", "Did the person not know the language?"),
    ("no_days_off", "exploitative_conditions", "strong", "Does the person work without days off?"),
    ("low_pay", "exploitative_conditions", "medium", "Is the person paid far less than agreed?"),
    ("poor_housing", "exploitative_conditions", "weak", "Does the person live in degrading housing?"),
    ("documents_taken", "coercion_at_destination", "strong", "Were the person's documents taken?"),
    ("threats", "coercion_at_destination", "medium", "Is the person threatened?"),
    ("isolated", "coercion_at_destination", "weak", "Is the person kept isolated?"),
    ("irregular_status", "abuse_of_vulnerability_at_destination", "medium", "Is the person's stay irregular?"),
    (
        "dependent_on_employer",
        "abuse_of_vulnerability_at_destination",
        "weak",
        "Does the person depend on the employer?",
    ),
]


def _text(english: str, prefix: str = "") -> dict:
    return {"lv": f"[lv] {prefix}{english}", "en": f"{prefix}{english}", "ru": f"[ru] {prefix}{english}"}


def _build(set_id: str, prefix: str, population: str, indicative: list[list[str]]) -> dict:
    people = {"adult": "Adults", "child": "Children"}[population]
    return {
        "id": set_id,
        "title": _text(f"{people}: labour exploitation (test)"),
        "help": _text("A test set; not for real screening."),
        "population": population,
        "forms": ["labour"],
        "context": "general",
        "source": SOURCE,
        "dimensions": [{"id": ident, "name": {"lv": lv, "en": en, "ru": ru}} for ident, lv, en, ru in DIMENSIONS],
        "rule": {"present": copy.deepcopy(ILO_PRESENT), "indicative": copy.deepcopy(indicative)},
        "indicators": [
            {
                "id": f"{prefix}_{suffix}",
                "dimension": dimension,
                "strength": strength,
                "question": _text(question),
                "help": None,
                "concept": suffix,
                "source": f"{SOURCE}, {dimension} ({strength})",
            }
            for suffix, dimension, strength, question in INDICATORS
        ],
    }


ADULT_SET = _build("test_adult_labour", "tal", "adult", ADULT_INDICATIVE)
CHILD_SET = _build("test_child_labour", "tcl", "child", CHILD_INDICATIVE)


def adult_set() -> dict:
    return copy.deepcopy(ADULT_SET)


def child_set() -> dict:
    return copy.deepcopy(CHILD_SET)


def indicator_ids(indicator_set: dict, dimension: str | None = None, strength: str | None = None) -> list[str]:
    """The ids of the set's indicators, optionally only of one dimension and/or strength, in set order."""
    return [
        i["id"]
        for i in indicator_set["indicators"]
        if (dimension is None or i["dimension"] == dimension) and (strength is None or i["strength"] == strength)
    ]
