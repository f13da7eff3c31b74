"""What happens to one synthetic case over its life: who recognises the person, whom they refer to, when the
answer comes, when the person is identified, served and the case closed. Pure Python, seeded by the case number.

A story is only the *intent* — a list of dated steps, some of them in the future. `cases_generate` plays the steps
that lie before "now" through the pack's own workflow engine (so states, deadlines and their effects are the pack's),
which is how a decade of cases ends up in every state a real register would show: old cases closed, recent ones
waiting for an answer or a decision. The ids below are the Latvian pack's transitions and consent purposes; a
transition the workflow does not allow from the case's state at that moment is skipped, not forced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Share of cases by who the person is (Latvia: mostly adults, many third-country nationals in recent years).
CHILD_SHARE = 0.12
NATIONALITIES = (("national", 45), ("eu_citizen", 15), ("third_country_national", 40))


@dataclass(frozen=True)
class Cast:
    """The institutions a story can involve (ids), and how often each recognises a presumed victim."""

    recognisers: list[int]
    recogniser_weights: list[float]  # cumulative, for random.choices(cum_weights=)
    municipality_of: dict[int, int | None]  # institution -> its municipality (None: national)
    social_service_in: dict[int, int]  # municipality -> its social service
    municipalities: list[int]  # municipalities a nationally recognised case can be in
    busy_municipality: int  # the capital: a large share of nationally recognised cases
    busy_share: float
    social_services: frozenset[int]
    providers: list[int]  # service providers (they run the specialist commission and the service)
    siva: int  # decides on the state-funded service
    police: int  # criminal proceedings


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str  # refer | answer | transition
    institution: int | None  # who acts (None: the system, e.g. a deadline ran out)
    transition: str = ""
    to_institution: int | None = None  # refer: the recipient
    purpose: str = ""  # refer: the consent purpose
    urgent: bool = False
    referral: int = 0  # answer: which of the case's referrals (0, 1, …)
    accepted: bool = True


@dataclass
class Story:
    opened_at: datetime
    recognising: int
    municipality: int | None
    population: str
    nationality: str
    steps: list[Step] = field(default_factory=list)
    referrals: int = 0

    def refer(self, at: datetime, by: int, to: int, purpose: str, rng: random.Random) -> int:
        self.steps.append(Step(at, "refer", by, to_institution=to, purpose=purpose, urgent=rng.random() < 0.15))
        self.referrals += 1
        return self.referrals - 1

    def answer(self, at: datetime, number: int, by: int, *, accepted: bool = True) -> None:
        self.steps.append(Step(at, "answer", by, referral=number, accepted=accepted))

    def transition(self, at: datetime, transition: str, by: int | None) -> None:
        self.steps.append(Step(at, "transition", by, transition=transition))


def _between(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    return low + (high - low) * rng.random()


def _person(rng: random.Random, recognising: int, cast: Cast) -> tuple[int | None, str, str]:
    municipality = cast.municipality_of.get(recognising)
    if municipality is None:
        if rng.random() < cast.busy_share:
            municipality = cast.busy_municipality
        else:
            municipality = rng.choice(cast.municipalities)
    population = "child" if rng.random() < CHILD_SHARE else "adult"
    nationality = rng.choices([n for n, _ in NATIONALITIES], weights=[w for _, w in NATIONALITIES])[0]
    return municipality, population, nationality


def _answer_delay(rng: random.Random) -> tuple[timedelta, bool]:
    """How long the recipient takes, and whether it accepts: most answer within two days, some late, a few no."""
    roll = rng.random()
    if roll < 0.80:
        return _between(rng, HOUR, 48 * HOUR), True
    if roll < 0.95:
        return _between(rng, 48 * HOUR, 120 * HOUR), True
    return _between(rng, 2 * HOUR, 72 * HOUR), False


def story(number: int, *, opened_at: datetime, cast: Cast, seed: int) -> Story:
    """The life of case `number`, from its opening on; steps may lie in the future (they are not played)."""
    rng = random.Random(f"{seed}:{number}")
    recognising = rng.choices(cast.recognisers, cum_weights=cast.recogniser_weights)[0]
    municipality, population, nationality = _person(rng, recognising, cast)
    life = Story(opened_at, recognising, municipality, population, nationality)
    at = opened_at + _between(rng, HOUR, 72 * HOUR)
    if rng.random() < 0.04:
        life.transition(at, "person_refuses", recognising)
        return life
    # First referral: a social service sends to a service provider; others often to the local social service.
    local = cast.social_service_in.get(municipality)
    if recognising in cast.social_services or local is None or rng.random() < 0.6:
        first = rng.choice([p for p in cast.providers if p != recognising] or cast.providers)
    else:
        first = local
    referral = life.refer(at, recognising, first, "assistance", rng)
    delay, accepted = _answer_delay(rng)
    at += delay
    if not accepted:
        life.answer(at, referral, first, accepted=False)
        first = rng.choice([p for p in cast.providers if p != first] or cast.providers)
        at += _between(rng, 2 * HOUR, 24 * HOUR)
        referral = life.refer(at, recognising, first, "assistance", rng)
        at += _between(rng, HOUR, 48 * HOUR)
    life.answer(at, referral, first)
    provider = first
    if first not in cast.providers:
        # The social service that took the person in asks a provider's specialist commission to identify them.
        provider = rng.choice(cast.providers)
        at += _between(rng, DAY, 10 * DAY)
        referral = life.refer(at, first, provider, "identification", rng)
        at += _between(rng, HOUR, 48 * HOUR)
        life.answer(at, referral, provider)
    if rng.random() < 0.25:
        # The police are told for criminal proceedings, in parallel with the rest.
        told = at + _between(rng, DAY, 20 * DAY)
        referral = life.refer(told, provider, cast.police, "criminal_proceedings", rng)
        life.answer(told + _between(rng, 2 * HOUR, 48 * HOUR), referral, cast.police)
    at += _between(rng, 7 * DAY, 45 * DAY)
    roll = rng.random()
    if roll < 0.05:
        life.transition(at, "person_withdraws", rng.choice([recognising, provider]))
        return life
    if roll < 0.20:
        life.transition(at, "not_identified", provider)
        return life
    life.transition(at, "identify_by_commission", provider)
    at += _between(rng, 2 * DAY, 10 * DAY)
    referral = life.refer(at, provider, cast.siva, "social_rehabilitation", rng)
    at += _between(rng, HOUR, 48 * HOUR)
    life.answer(at, referral, cast.siva)
    at += _between(rng, 3 * DAY, 20 * DAY)
    if rng.random() < 0.04:
        life.transition(at, "refuse_service", cast.siva)
        return life
    life.transition(at, "grant_service", cast.siva)
    at += _between(rng, 2 * DAY, 14 * DAY)
    life.transition(at, "start_rehabilitation", provider)
    if rng.random() < 0.35:
        # Goals met early; otherwise the 180 days run out and the workflow completes the service by itself.
        at += _between(rng, 60 * DAY, 175 * DAY)
        life.transition(at, "complete_service", provider)
    else:
        at += 180 * DAY + HOUR
    for _ in range(rng.randrange(3)):
        at += _between(rng, 20 * DAY, 200 * DAY)
        life.transition(at, "record_consultation", provider)
    at += _between(rng, 30 * DAY, 300 * DAY)
    life.transition(at, "close", rng.choice([provider, recognising]))
    return life


def waiting_story(number: int, *, sent_at: datetime, by: int, to: int, cast: Cast, seed: int) -> Story:
    """A recent case referred to `to` and not yet answered: what the receiving institution's inbox holds."""
    rng = random.Random(f"{seed}:waiting:{number}")
    _, population, nationality = _person(rng, by, cast)
    municipality = cast.municipality_of.get(to) or cast.busy_municipality
    life = Story(sent_at - _between(rng, HOUR, 24 * HOUR), by, municipality, population, nationality)
    life.refer(sent_at, by, to, "assistance", rng)
    return life
