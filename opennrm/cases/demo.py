"""Synthetic demo cases for trying OpenNRM out: a few dozen cases in every state of the Latvian workflow.

NEVER for a real installation: only the demo set-up (`opennrm demo load`, `opennrm setup --demo`) calls this.

Every case is made through the case services (`case_open`, `consent_record`, `referral_send`, `referral_accept`,
`case_transition`, notes, tasks, documents) by the demo users of `opennrm.accounts.demo`, each step by the user whose
role and institution the workflow names. So every rule is checked, and every step has its timeline line, its audit
event and its notifications, exactly as if the demo users had clicked through it.

Every person is obviously fake: "Demo Persona 07", born on 1 January, personal code 000000-00007 (not a valid
code), phone +371 20090007, e-mail demo.persona.07@example.lv, "(demo address)"; every free text starts "Demo".

Idempotent: a demo case is known by its person's blind index (names and birth date), so running the demo again
makes only the demo cases that are missing, never a second copy, and leaves a demo case someone has moved on since
as it is.

One demo-only shortcut: the first waiting referral of the demo is made overdue by moving its sent and due times
(and those of its answer deadline) back with a direct update. No service may rewrite when something happened; it is
done here only so that the overdue count, the inbox and the escalation by `opennrm tick` can be seen without
waiting three days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.accounts.models import User
from opennrm.cases.crypto import blind_index
from opennrm.cases.models import (
    AgeBand,
    Case,
    CaseParty,
    Consent,
    DataCategory,
    Deadline,
    ExploitationForm,
    Nationality,
    Person,
    Population,
    Referral,
    Sex,
    Task,
)
from opennrm.cases.selectors import case_workflow
from opennrm.cases.services.cases import PersonData, break_glass_open, case_assign, case_open
from opennrm.cases.services.consent import consent_record, consent_withdraw
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_send
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_upload, note_add, task_complete, task_create
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Institution, Municipality
from opennrm.jurisdiction.selectors import version_pack, version_published

# The demo users who act in the stories (opennrm.accounts.demo.DEMO_USERS).
SOCIAL = "demo.social"  # case manager, Riga social service
FRONTLINE = "demo.frontline"  # front-line worker, Riga social service
BORDER = "demo.border"  # front-line worker, State Border Guard
POLICE = "demo.police"  # police officer, State Police
EMERGENCY = "demo.emergency"  # emergency access, State Police
PROVIDER = "demo.provider"  # case manager, Marta centre
PROVIDER_HEAD = "demo.provider.head"  # head of unit, Marta centre
COMMISSION = "demo.commission"  # specialist commission member, Marta centre
SIVA = "demo.siva"  # case manager, SIVA
ORPHANS_COURT = "demo.orphanscourt"  # case manager, Riga orphan's court
ORPHANS_COURT_HEAD = "demo.orphanscourt.head"  # head of unit, Riga orphan's court
ACTORS = (
    SOCIAL,
    FRONTLINE,
    BORDER,
    POLICE,
    EMERGENCY,
    PROVIDER,
    PROVIDER_HEAD,
    COMMISSION,
    SIVA,
    ORPHANS_COURT,
    ORPHANS_COURT_HEAD,
)

MARTA = "lv-provider-marta"
SIVA_INSTITUTION = "lv-siva"
STATE_POLICE = "lv-state-police"
INSTITUTIONS = (MARTA, SIVA_INSTITUTION, STATE_POLICE)

# The Latvian workflow's transitions the stories perform (refer and start_identification happen by themselves).
TRANSITIONS = (
    "refer",
    "start_identification",
    "identify_by_commission",
    "identify_in_proceedings",
    "not_identified",
    "grant_service",
    "refuse_service",
    "start_rehabilitation",
    "complete_service",
    "record_consultation",
    "close",
    "person_refuses",
    "person_withdraws",
)
# The main road of a case, up to the end of the service; closing and the outcomes end a story from one of these.
MAIN_ROAD = ("recognised", "referred", "identification", "identified", "service_granted", "rehabilitation", "completed")
ALL_DATA = [DataCategory.IDENTITY, DataCategory.CONTACTS, DataCategory.CIRCUMSTANCES]
NO_CONTACTS = [DataCategory.IDENTITY, DataCategory.CIRCUMSTANCES]

# Extras a story may have.
TASK = "task"  # the recognising worker has a task of their own
BREAK_GLASS = "break_glass"  # the State Police open the case in an emergency
OVERDUE = "overdue"  # the referral to the service provider is overdue (demo-only backdating)
URGENT = "urgent"  # the referral to the service provider is urgent
LEGAL_DUTY = "legal_duty"  # a child in danger is referred to the police without consent (flagged for review)
POLICE_WAITING = "police_waiting"  # the provider has asked the police to start criminal proceedings; no answer yet
POLICE_DECLINED = "police_declined"  # ... and the police declined
POLICE_PARTY = "police_party"  # ... and the police accepted
SIVA_WAITING = "siva_waiting"  # the application to SIVA is waiting for an answer
LATE_TASK = "late_task"  # the commission member's task is past its date
CONSULTATIONS = "consultations"  # follow-up consultations after the service
EARLY = "early"  # refused: before any referral; withdrawn: while the first referral waits
FROM_IDENTIFIED = "from_identified"  # closed straight after identification
FROM_GRANTED = "from_granted"  # closed after the service was granted


@dataclass(frozen=True)
class Story:
    """Where a demo case stops, who recognised the person, and what else happens on the way."""

    state: str
    opener: str = SOCIAL
    child: bool = False
    # Empty: taken in turn from national, EU citizen, third-country national by the case's number.
    nationality: str = ""
    municipality: str = "riga"
    # Who identifies the person: the provider's specialist commission, or the police in criminal proceedings.
    by_police: bool = False
    extras: frozenset[str] = field(default_factory=frozenset)


def _story(state: str, opener: str = SOCIAL, *extras: str, **facts) -> Story:
    return Story(state=state, opener=opener, extras=frozenset(extras), **facts)


TCN = Nationality.THIRD_COUNTRY_NATIONAL
EU = Nationality.EU_CITIZEN
NATIONAL = Nationality.NATIONAL

# Three dozen cases: every state of the workflow at least twice, adults and children, Latvians, EU citizens and
# third-country nationals, recognised by a social service, a front-line worker, the border guard and the police.
STORIES = (
    _story("recognised", SOCIAL, TASK),
    _story("recognised", BORDER, BREAK_GLASS, nationality=TCN),
    _story("recognised", FRONTLINE, child=True, nationality=NATIONAL),
    _story("referred", SOCIAL, OVERDUE),
    _story("referred", BORDER, URGENT, nationality=TCN),
    _story("referred", SOCIAL, LEGAL_DUTY, child=True, nationality=NATIONAL),
    _story("referred", POLICE, nationality=EU, municipality="daugavpils"),
    _story("identification", SOCIAL, LATE_TASK, nationality=TCN),
    _story("identification", SOCIAL, POLICE_WAITING),
    _story("identification", POLICE, nationality=NATIONAL, municipality="liepaja"),
    _story("identification", SOCIAL, URGENT, child=True, nationality=EU),
    _story("identification", FRONTLINE, POLICE_DECLINED),
    _story("identified", SOCIAL, SIVA_WAITING),
    _story("identified", POLICE, nationality=TCN, municipality="rezekne", by_police=True),
    _story("identified", SOCIAL, child=True, nationality=NATIONAL),
    _story("service_granted", SOCIAL),
    _story("service_granted", BORDER, URGENT, nationality=TCN),
    _story("service_granted", POLICE, municipality="jelgava", by_police=True),
    _story("rehabilitation", SOCIAL),
    _story("rehabilitation", SOCIAL, POLICE_PARTY, nationality=TCN),
    _story("rehabilitation", SOCIAL, child=True, nationality=NATIONAL),
    _story("rehabilitation", FRONTLINE, nationality=EU),
    _story("completed", SOCIAL, CONSULTATIONS),
    _story("completed", POLICE, municipality="ventspils", by_police=True),
    _story("completed", SOCIAL, nationality=TCN),
    _story("closed", SOCIAL, CONSULTATIONS),
    _story("closed", SOCIAL, FROM_IDENTIFIED),
    _story("closed", POLICE, FROM_GRANTED, municipality="jurmala", by_police=True),
    _story("not_identified", SOCIAL),
    _story("not_identified", POLICE, municipality="daugavpils", by_police=True),
    _story("not_identified", BORDER, nationality=TCN),
    _story("service_refused", SOCIAL),
    _story("service_refused", FRONTLINE, nationality=EU),
    _story("refused", SOCIAL, EARLY),
    _story("refused", SOCIAL),
    _story("withdrawn", SOCIAL, EARLY),
    _story("withdrawn", SOCIAL, nationality=TCN),
)
DEMO_CASE_COUNT = len(STORIES)

# Who the people are: citizenship with the languages they speak, where they were exploited, and how.
EU_PEOPLE = (("LT", ["lt", "ru"]), ("EE", ["et", "ru"]), ("PL", ["pl"]), ("RO", ["ro", "en"]), ("BG", ["bg"]))
TCN_PEOPLE = (
    ("UZ", ["uz", "ru"]),
    ("VN", ["vi"]),
    ("IN", ["hi", "en"]),
    ("NG", ["en"]),
    ("PH", ["tl", "en"]),
    ("UA", ["uk", "ru"]),
    ("TJ", ["tg", "ru"]),
    ("LK", ["si", "en"]),
)
COUNTRIES = (["LV"], ["LV", "DE"], ["GB"], ["LV", "SE"], ["IE"], ["NL"], ["LV", "FI"], ["PL", "LV"])
ADULT_FORMS = (
    [ExploitationForm.SEXUAL_EXPLOITATION],
    [ExploitationForm.FORCED_LABOUR],
    [ExploitationForm.FORCED_MARRIAGE],
    [ExploitationForm.FORCED_CRIMINALITY],
    [ExploitationForm.FORCED_LABOUR, ExploitationForm.SERVITUDE],
    [ExploitationForm.FORCED_BEGGING],
    [ExploitationForm.SEXUAL_EXPLOITATION, ExploitationForm.FORCED_CRIMINALITY],
)
CHILD_FORMS = (
    [ExploitationForm.SEXUAL_EXPLOITATION],
    [ExploitationForm.FORCED_CRIMINALITY],
    [ExploitationForm.FORCED_BEGGING],
    [ExploitationForm.CHILD_LABOUR],
)
SEXES = (Sex.FEMININE, Sex.FEMININE, Sex.MASCULINE, Sex.FEMININE, Sex.MASCULINE, Sex.UNKNOWN)
ADULT_BIRTH_YEARS = (1990, 1984, 1999, 1976, 2001, 1993, 1968, 2003, 1988)
CHILD_BIRTH_YEARS = (2011, 2014, 2010, 2016)
NATIONALITIES = (NATIONAL, EU, TCN)


@dataclass(frozen=True)
class DemoCasesSummary:
    """How many demo cases there are now, how many this run made, and how many are in each state."""

    created: int
    states: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.states.values())

    def __str__(self) -> str:
        return f"{self.total} in {len(self.states)} states"


def demo_person(number: int, story: Story) -> PersonData:
    """The obviously fake person of demo case `number`."""
    if story.child:
        birth_date = date(CHILD_BIRTH_YEARS[number % len(CHILD_BIRTH_YEARS)], 1, 1)
    else:
        birth_date = date(ADULT_BIRTH_YEARS[number % len(ADULT_BIRTH_YEARS)], 1, 1)
    nationality = _nationality(number, story)
    if nationality == NATIONAL:
        citizenship, languages = "LV", ["lv", "ru"] if number % 2 else ["lv"]
    elif nationality == EU:
        citizenship, languages = EU_PEOPLE[number % len(EU_PEOPLE)]
    else:
        citizenship, languages = TCN_PEOPLE[number % len(TCN_PEOPLE)]
    return PersonData(
        given_name="Demo",
        family_name=f"Persona {number:02d}",
        birth_date=birth_date,
        personal_code=f"000000-{number:05d}",
        phone=f"+371 2009{number:04d}",
        email=f"demo.persona.{number:02d}@example.lv",
        address=f"Parauga iela {number}, {story.municipality.title()} (demo address)",
        sex=SEXES[number % len(SEXES)],
        age_band=_age_band(birth_date),
        citizenship=[citizenship],
        languages=list(languages),
    )


def _nationality(number: int, story: Story) -> str:
    return story.nationality or NATIONALITIES[number % len(NATIONALITIES)]


def _age_band(birth_date: date) -> str:
    today = timezone.localdate()
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    for limit, band in ((12, AgeBand.UNDER_12), (18, AgeBand.FROM_12), (25, AgeBand.FROM_18), (35, AgeBand.FROM_25)):
        if age < limit:
            return band
    return AgeBand.FROM_35 if age < 50 else AgeBand.FROM_50


def _demo_index(person: PersonData) -> str:
    return blind_index(person.given_name, person.family_name, person.birth_date.isoformat())


def _stories(count: int) -> list[tuple[int, Story]]:
    # Numbered from 1; past the table the stories start again with new people.
    return [(number, STORIES[(number - 1) % len(STORIES)]) for number in range(1, count + 1)]


def _existing(indexes: list[str]) -> set[str]:
    return set(Person.objects.filter(blind_index__in=indexes).values_list("blind_index", flat=True))


def _cast() -> tuple[dict[str, User], dict[str, Institution], dict[str, Municipality]]:
    users = {
        user.username: user
        for user in User.objects.filter(username__in=ACTORS, is_active=True)
        .select_related("unit__institution__type")
        .prefetch_related("roles")
    }
    institutions = {i.code: i for i in Institution.objects.filter(code__in=INSTITUTIONS).select_related("type")}
    municipality_codes = {story.municipality for story in STORIES}
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=municipality_codes)}
    problems = [name for name in ACTORS if name not in users]
    problems += [code for code in INSTITUTIONS if code not in institutions]
    problems += sorted(code for code in municipality_codes if code not in municipalities)
    if problems:
        raise ApplicationError(
            gettext("The demo cases were not created; missing: %(missing)s. Load the demo users first.")
            % {"missing": ", ".join(problems)}
        )
    return users, institutions, municipalities


def _check_workflow() -> None:
    version = version_published()
    workflow = version_pack(version).workflow if version else None
    if workflow is None:
        raise ApplicationError(gettext("The model in force has no case workflow, so cases cannot be opened yet."))
    missing = [transition for transition in TRANSITIONS if workflow.transition(transition) is None]
    missing += sorted({story.state for story in STORIES if workflow.state(story.state) is None})
    if missing:
        raise ApplicationError(
            gettext("The demo cases need the Latvian workflow; this one lacks %(missing)s.")
            % {"missing": ", ".join(missing)}
        )


class _Play:
    """Plays one story through the services, step by step, as the demo users whose work each step is."""

    def __init__(self, *, number: int, story: Story, users, institutions, municipalities):
        self.number = number
        self.story = story
        self.users = users
        self.marta = institutions[MARTA]
        self.siva = institutions[SIVA_INSTITUTION]
        self.police = institutions[STATE_POLICE]
        self.municipality = municipalities[story.municipality]
        self.opener = users[story.opener]
        self.today = timezone.localdate()
        self.case: Case | None = None
        self.assistance: Consent | None = None
        self.referral: Referral | None = None
        # Tasks still open, each with who closes it once the work is done or the case has ended.
        self.open_tasks: list[tuple[Task, User]] = []

    def has(self, extra: str) -> bool:
        return extra in self.story.extras

    def user(self, name: str) -> User:
        return self.users[name]

    # --- The road ---------------------------------------------------------------------------------------------

    def play(self) -> Case:
        """Walk the main road up to where the story leaves it, then end it there if it ends in an outcome."""
        state = self.story.state
        if state == "closed":
            last = "identified" if self.has(FROM_IDENTIFIED) else "service_granted" if self.has(FROM_GRANTED) else None
        else:
            last = {
                "not_identified": "identification",
                "service_refused": "identified",
                "refused": "recognised" if self.has(EARLY) else "identification",
                "withdrawn": "referred" if self.has(EARLY) else "rehabilitation",
            }.get(state)
        last = last or (state if state in MAIN_ROAD else MAIN_ROAD[-1])
        road = {
            "recognised": self.recognise,
            "referred": self.refer,
            "identification": self.accept,
            "identified": self.identify,
            "service_granted": self.grant,
            "rehabilitation": self.rehabilitate,
            "completed": self.complete,
        }
        for step in MAIN_ROAD[: MAIN_ROAD.index(last) + 1]:
            road[step]()
        endings = {
            "closed": self.close,
            "not_identified": self.not_identified,
            "service_refused": self.refuse_service,
            "refused": self.person_refuses,
            "withdrawn": self.person_withdraws,
        }
        if state in endings:
            endings[state]()
            # Nothing is left to do on an ended case.
            self._finish_tasks()
        return self.case

    def _task(self, *, by: User, title: str, assignee: User, days: int) -> None:
        task = task_create(
            by=by, case=self.case, title=title, assignee=assignee, due_on=self.today + timedelta(days=days)
        )
        self.open_tasks.append((task, by))

    def _finish_tasks(self) -> None:
        for task, by in self.open_tasks:
            task_complete(by=by, task=task)
        self.open_tasks = []

    def recognise(self) -> None:
        story = self.story
        person = demo_person(self.number, story)
        adult_forms = ADULT_FORMS[self.number % len(ADULT_FORMS)]
        self.case = case_open(
            by=self.opener,
            population=Population.CHILD if story.child else Population.ADULT,
            nationality=_nationality(self.number, story),
            person=person,
            municipality=self.municipality,
            forms=CHILD_FORMS[self.number % len(CHILD_FORMS)] if story.child else adult_forms,
            countries=COUNTRIES[self.number % len(COUNTRIES)],
        )
        note_add(
            by=self.opener,
            case=self.case,
            body="Demo note: first conversation; the person asked for a safe place to stay and for an interpreter.",
        )
        if self.has(TASK):
            self._task(
                by=self.opener,
                title="Demo task: ask the person whether they agree to be referred to a service provider",
                assignee=self.opener,
                days=2,
            )
        if story.child:
            self._orphans_court_steps_in()
        if self.has(BREAK_GLASS):
            break_glass_open(
                by=self.user(EMERGENCY),
                case=self.case,
                reason="Demo: a person reported missing may be this person; checking before a night-time search.",
            )

    def _orphans_court_steps_in(self) -> None:
        # Every child's case involves the orphan's court; the Riga court's head gives it to a worker there.
        court = self.user(ORPHANS_COURT)
        if not CaseParty.objects.filter(case=self.case, institution=court.institution).exists():
            return
        case_assign(by=self.user(ORPHANS_COURT_HEAD), case=self.case, user=court)
        note_add(
            by=court,
            case=self.case,
            body="Demo note: the orphan's court has spoken with the child's legal representative.",
        )

    def _consent(self, *, by: User, purpose: str, recipient: Institution, categories) -> Consent:
        if self.story.child:
            given_by, details = Consent.Giver.LEGAL_REPRESENTATIVE, "Demo legal representative (parent)"
        else:
            given_by, details = Consent.Giver.PERSON, ""
        foreign = _nationality(self.number, self.story) == TCN
        return consent_record(
            by=by,
            case=self.case,
            purpose=purpose,
            method=Consent.Method.INTERPRETER if foreign else Consent.Method.WRITTEN,
            given_on=self.today,
            data_categories=categories,
            given_by=given_by,
            recipient_institution=recipient,
            giver_details=details or ("Demo interpreter" if foreign else ""),
        )

    def refer(self) -> None:
        if self.has(LEGAL_DUTY):
            # A child in danger: the law requires telling the police, consent or not; the referral is flagged.
            referral_send(
                by=self.opener,
                case=self.case,
                to_institution=self.police,
                purpose="criminal_proceedings",
                urgency=Referral.Urgency.URGENT,
                message="Demo referral: the child says an adult takes their earnings every night.",
                data_scope=NO_CONTACTS,
                legal_duty_exception="child_in_danger",
                legal_duty_justification="Demo: the child is in danger tonight; the law requires telling the police.",
            )
            return
        self.assistance = self._consent(by=self.opener, purpose="assistance", recipient=self.marta, categories=ALL_DATA)
        urgent = self.has(URGENT)
        self.referral = referral_send(
            by=self.opener,
            case=self.case,
            to_institution=self.marta,
            purpose="assistance",
            urgency=Referral.Urgency.URGENT if urgent else Referral.Urgency.NORMAL,
            message="Demo referral: the person needs a safe place to stay and the specialist commission's assessment.",
            data_scope=ALL_DATA,
        )
        if self.has(OVERDUE):
            _make_overdue(self.referral)

    def accept(self) -> None:
        provider = self.user(PROVIDER)
        referral_accept(by=provider, referral_id=self.referral.pk)
        note_add(by=provider, case=self.case, body="Demo note: intake interview held; the person stays at the shelter.")
        # A task opens a case to no one: the head of unit assigns the commission member first.
        case_assign(by=self.user(PROVIDER_HEAD), case=self.case, user=self.user(COMMISSION))
        self._task(
            by=provider,
            title="Demo task: prepare the specialist commission's meeting",
            assignee=self.user(COMMISSION),
            days=-1 if self.has(LATE_TASK) else 7,
        )
        if self.has(POLICE_WAITING) or self.has(POLICE_DECLINED) or self.has(POLICE_PARTY):
            self._tell_the_police()

    def _tell_the_police(self) -> None:
        provider = self.user(PROVIDER)
        self._consent(by=provider, purpose="criminal_proceedings", recipient=self.police, categories=NO_CONTACTS)
        referral = referral_send(
            by=provider,
            case=self.case,
            to_institution=self.police,
            purpose="criminal_proceedings",
            message="Demo referral: the person agrees to give a statement about the employer.",
            data_scope=NO_CONTACTS,
        )
        if self.has(POLICE_DECLINED):
            referral_decline(
                by=self.user(POLICE),
                referral_id=referral.pk,
                reason="Demo: this employer is already under investigation in another proceeding; contact its officer.",
            )
        elif self.has(POLICE_PARTY):
            referral_accept(by=self.user(POLICE), referral_id=referral.pk)

    def identify(self) -> None:
        if self.story.by_police:
            case_transition(
                by=self.user(POLICE),
                case=self.case,
                transition="identify_in_proceedings",
                reason="Demo: recognised as a victim in criminal proceedings.",
            )
        else:
            provider = self.user(PROVIDER)
            decision = document_upload(
                by=provider,
                case=self.case,
                filename="demo-commission-decision.txt",
                content_type="text/plain",
                content=b"Demo document: decision of the specialist commission (synthetic, for trying OpenNRM).\n",
            )
            workflow = case_workflow(self.case)
            checklist = [item.id for item in workflow.checklist("identification_criteria").items]
            case_transition(
                by=self.user(COMMISSION),
                case=self.case,
                transition="identify_by_commission",
                reason="Demo: the commission found the act, the means and the purpose of trafficking.",
                checklist=checklist,
                document=decision,
            )
        self._finish_tasks()
        if self.has(SIVA_WAITING):
            self._apply_to_siva()

    def _apply_to_siva(self) -> Referral:
        provider = self.user(PROVIDER)
        self._consent(by=provider, purpose="social_rehabilitation", recipient=self.siva, categories=NO_CONTACTS)
        return referral_send(
            by=provider,
            case=self.case,
            to_institution=self.siva,
            purpose="social_rehabilitation",
            message="Demo application for the state-funded social rehabilitation service.",
            data_scope=NO_CONTACTS,
        )

    def _siva_answers(self) -> None:
        referral = self._apply_to_siva()
        referral_accept(by=self.user(SIVA), referral_id=referral.pk)

    def grant(self) -> None:
        self._siva_answers()
        case_transition(by=self.user(SIVA), case=self.case, transition="grant_service")

    def rehabilitate(self) -> None:
        provider = self.user(PROVIDER)
        case_transition(by=provider, case=self.case, transition="start_rehabilitation")
        self._task(
            by=provider,
            title="Demo task: draw up the individual rehabilitation plan with the person",
            assignee=provider,
            days=14,
        )

    def complete(self) -> None:
        provider = self.user(PROVIDER)
        case_transition(by=provider, case=self.case, transition="complete_service")
        self._finish_tasks()
        if self.has(CONSULTATIONS):
            for _ in range(2):
                case_transition(by=provider, case=self.case, transition="record_consultation")

    def close(self) -> None:
        # Straight after identification the social service closes: support goes on in the municipality.
        by = self.opener if self.has(FROM_IDENTIFIED) else self.user(PROVIDER)
        case_transition(by=by, case=self.case, transition="close")

    # --- Outcomes ---------------------------------------------------------------------------------------------

    def not_identified(self) -> None:
        case_transition(
            by=self.user(POLICE if self.story.by_police else COMMISSION),
            case=self.case,
            transition="not_identified",
            reason="Demo: the means of trafficking could not be established; other support continues.",
        )

    def refuse_service(self) -> None:
        self._siva_answers()
        case_transition(
            by=self.user(SIVA),
            case=self.case,
            transition="refuse_service",
            reason="Demo: the person already receives the same service under another programme.",
        )

    def person_refuses(self) -> None:
        case_transition(
            by=self.opener,
            case=self.case,
            transition="person_refuses",
            reason="Demo: the person wants to go home and does not want any help now.",
        )

    def person_withdraws(self) -> None:
        # The consent goes first: a referral still waiting under it lapses with it.
        consent_withdraw(by=self.opener, consent=self.assistance, note="Demo: withdrawn by phone.")
        case_transition(
            by=self.opener,
            case=self.case,
            transition="person_withdraws",
            reason="Demo: the person withdrew their consent and asked that nothing more be passed on.",
        )


def _make_overdue(referral: Referral) -> None:
    """DEMO ONLY: move a waiting referral's sent and due times back so that it is overdue now.

    A direct update, because no service rewrites when something happened; see the module's docstring.
    """
    rule_hours = (referral.due_at - referral.sent_at).total_seconds() / 3600
    sent_at = timezone.now() - timedelta(hours=rule_hours + 48)
    due_at = sent_at + timedelta(hours=rule_hours)
    Referral.objects.filter(pk=referral.pk).update(sent_at=sent_at, due_at=due_at)
    Deadline.objects.filter(referral=referral).update(starts_at=sent_at, due_at=due_at)


def demo_cases_create(*, count: int = DEMO_CASE_COUNT) -> DemoCasesSummary:
    """Create the demo cases that do not exist yet (all of them or none) and say how many there are in each state."""
    numbered = _stories(count)
    people = {number: _demo_index(demo_person(number, story)) for number, story in numbered}
    existing = _existing(list(people.values()))
    created = 0
    missing = [(number, story) for number, story in numbered if people[number] not in existing]
    if missing:
        _check_workflow()
        users, institutions, municipalities = _cast()
        with transaction.atomic():
            for number, story in missing:
                _Play(
                    number=number,
                    story=story,
                    users=users,
                    institutions=institutions,
                    municipalities=municipalities,
                ).play()
                created += 1
    states = Counter(Case.objects.filter(person__blind_index__in=list(people.values())).values_list("state", flat=True))
    return DemoCasesSummary(created=created, states=dict(sorted(states.items())))
