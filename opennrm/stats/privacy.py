"""Differential privacy for public releases, with OpenDP's vetted mechanisms.

A public release spends the pack's privacy budget ε once, for all its tables together (sequential composition).
The budget is split into equal *shares*: a count table takes as many shares as the most cells one person can add
to (its sensitivity after the contribution bounds of release.py), a table of durations one share for its counts
and one for each of its three quartiles (times the contribution bound). Every count then gets discrete Laplace
noise of the same scale, shares / ε, so one margin of error holds for every published cell.
See docs/statistics-method.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import opendp.prelude as dp

dp.enable_features("contrib")

MECHANISM = "discrete_laplace"
QUANTILE_MECHANISM = "private_quantile"
CONFIDENCE = 0.95
QUARTILES = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class DpStatement:
    """What a reader needs to weigh a noisy number: the budget, how it was spent, and the noise it brought."""

    epsilon: float
    shares: int
    mechanism: str
    # Discrete Laplace scale of every count; its standard deviation is about scale * sqrt(2).
    scale: float
    # With 95% probability a published cell is within this many of the count before noise.
    margin_95: int
    quantile_mechanism: str = QUANTILE_MECHANISM

    @property
    def share_epsilon(self) -> float:
        return self.epsilon / self.shares

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> DpStatement:
        return cls(**data)


def dp_statement(*, epsilon: float, shares: int) -> DpStatement:
    """The noise of a release whose budget `epsilon` is split into `shares` equal shares."""
    if epsilon <= 0 or shares < 1:
        raise ValueError("the privacy budget must be positive and split into at least one share")
    scale = shares / epsilon
    # OpenDP's own accounting: changing one person moves the vector of counts by at most `shares` (L1).
    spent = count_measurement(scale=scale).map(shares)
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"the noise would spend {spent}, more than the budget {epsilon}")
    return DpStatement(
        epsilon=epsilon,
        shares=shares,
        mechanism=MECHANISM,
        scale=scale,
        margin_95=margin_of_error(scale),
    )


def margin_of_error(scale: float, confidence: float = CONFIDENCE) -> int:
    """The whole number m with P(|noise| > m) <= 1 - confidence for discrete Laplace noise of `scale`."""
    # OpenDP gives the accuracy a with P(|noise| >= a) = alpha; the floor keeps the coverage (its documentation).
    return math.floor(dp.discrete_laplacian_scale_to_accuracy(scale, 1 - confidence))


def count_measurement(*, scale: float) -> dp.Measurement:
    """OpenDP's Laplace measurement on a vector of integer counts (discrete Laplace on integers)."""
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)


def noisy_counts(counts: Sequence[int], *, scale: float) -> list[int]:
    """`counts` with discrete Laplace noise of `scale` added to each, clamped at 0 (clamping is post-processing)."""
    if not counts:
        return []
    return [max(0, int(value)) for value in count_measurement(scale=scale)([int(c) for c in counts])]


def noise_draws(n: int, *, scale: float) -> list[int]:
    """`n` independent discrete Laplace draws of `scale`: the noise alone, to be stored and added to counts."""
    if n <= 0:
        return []
    return [int(value) for value in count_measurement(scale=scale)([0] * n)]


def quantile_measurement(*, alpha: float, epsilon: float, contributions: int, upper: int) -> dp.Measurement:
    """OpenDP's private quantile over whole numbers 0..upper, spending `epsilon` for `contributions` per person."""

    def make(scale: float) -> dp.Measurement:
        return dp.m.make_private_quantile(
            dp.vector_domain(dp.atom_domain(T=int)),
            dp.symmetric_distance(),
            dp.max_divergence(),
            candidates=list(range(upper + 1)),
            alpha=alpha,
            scale=scale,
        )

    scale = dp.binary_search_param(make, d_in=contributions, d_out=epsilon)
    return make(scale)


def private_quartiles(
    values: Sequence[int], *, epsilon_each: float, contributions: int = 1, upper: int
) -> tuple[int, int, int]:
    """Lower quartile, median and upper quartile, each spending `epsilon_each`."""
    data = [min(max(int(v), 0), upper) for v in values]
    q1, median, q3 = (
        int(quantile_measurement(alpha=a, epsilon=epsilon_each, contributions=contributions, upper=upper)(data))
        for a in QUARTILES
    )
    # Post-processing: three separate draws can come out of order; sorting them spends nothing.
    q1, median, q3 = sorted((q1, median, q3))
    return q1, median, q3
