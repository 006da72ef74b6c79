"""Erlang C staffing advice (karcis.queueing.staffing): the textbook formula written out with
factorials in the test, then properties with Hypothesis."""

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karcis.queueing.staffing import erlang_c, expected_wait, offered_load, servers_needed

PROPERTIES = settings(
    max_examples=int(os.environ.get("KARCIS_PROPERTY_EXAMPLES", 200)),
    deadline=None,
    database=None,
)


def textbook_erlang_c(load: float, servers: int) -> float:
    """P(wait) = (aⁿ/n!)·n/(n−a) / (Σ_{k<n} aᵏ/k! + (aⁿ/n!)·n/(n−a))."""
    waiting = load**servers / math.factorial(servers) * servers / (servers - load)
    below = sum(load**k / math.factorial(k) for k in range(servers))
    return waiting / (below + waiting)


def test_textbook_100_an_hour_3_minutes_6_counters():
    # 100 arrivals an hour × 3 minutes = 5 Erlangs on 6 counters.
    assert offered_load(100, 180) == pytest.approx(5.0)
    probability = textbook_erlang_c(5.0, 6)
    assert probability == pytest.approx(0.5875, abs=1e-4)  # the value in the tables
    assert erlang_c(100, 180, 6) == pytest.approx(probability, rel=1e-12)
    # Mean wait C·s/(n−a) = 0.5875 × 180 s / 1 ≈ 106 s.
    assert expected_wait(100, 180, 6) == pytest.approx(probability * 180 / (6 - 5), rel=1e-12)


@pytest.mark.parametrize(
    ("rate", "service", "servers"), [(30, 300, 3), (60, 600, 12), (1, 60, 1), (500, 240, 40)]
)
def test_agrees_with_the_textbook_formula(rate, service, servers):
    load = rate * service / 3600
    assert erlang_c(rate, service, servers) == pytest.approx(
        textbook_erlang_c(load, servers), rel=1e-9
    )


def test_counters_that_cannot_keep_up_mean_everyone_waits_for_ever():
    assert erlang_c(100, 180, 5) == 1.0  # load 5 on 5 counters
    assert expected_wait(100, 180, 5) == math.inf
    assert expected_wait(100, 180, 0) == math.inf
    assert erlang_c(math.inf, 180, 50) == 1.0


def test_nobody_arriving_means_no_wait_and_no_counter():
    assert erlang_c(0, 180, 3) == 0.0
    assert expected_wait(0, 180, 0) == 0.0
    assert servers_needed(0, 180, 60) == 0


def test_servers_needed_is_the_fewest_that_meet_the_target():
    # 5 Erlangs: 6 counters wait ~106 s on average, 7 fewer than 30 s.
    assert expected_wait(100, 180, 6) > 60 >= expected_wait(100, 180, 7)
    assert servers_needed(100, 180, 60) == 7
    assert servers_needed(100, 180, 120) == 6


def test_a_target_out_of_reach_says_so():
    assert servers_needed(100, 180, 60, max_servers=6) is None
    assert servers_needed(math.inf, 180, 60) is None
    assert servers_needed(100, 180, 0) is None  # some always wait with arrivals


def logspace_erlang_c(load: float, servers: int) -> float:
    """The textbook formula with its terms as logarithms (lgamma for the factorials)."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(servers)]
    waiting = (
        servers * math.log(load) - math.lgamma(servers + 1) + math.log(servers / (servers - load))
    )
    top = max([*logs, waiting])
    total = sum(math.exp(x - top) for x in [*logs, waiting])
    return math.exp(waiting - top) / total


def test_a_large_office_stays_finite_and_exact():
    # 9,000 arrivals an hour × 4 minutes = 600 Erlangs: the plain formula overflows a float
    # (600! ≈ 10^1408); the recursion agrees with the formula computed in logarithms.
    with pytest.raises(OverflowError):
        textbook_erlang_c(600.0, 650)
    assert erlang_c(9000, 240, 650) == pytest.approx(logspace_erlang_c(600.0, 650), rel=1e-9)
    needed = servers_needed(9000, 240, 20, max_servers=1000)
    assert needed == 608
    assert logspace_erlang_c(600.0, 608) * 240 / 8 <= 20 < logspace_erlang_c(600.0, 607) * 240 / 7


def test_invalid_inputs_are_refused():
    for call in (
        lambda: erlang_c(-1, 180, 3),
        lambda: erlang_c(10, 0, 3),
        lambda: erlang_c(10, 180, -1),
        lambda: servers_needed(10, 180, -5),
        lambda: servers_needed(math.nan, 180, 60),
    ):
        with pytest.raises(ValueError):
            call()


rates = st.floats(0.1, 2000)
services = st.floats(10, 3600)
servers = st.integers(1, 80)


@PROPERTIES
@given(rates, services, servers)
def test_more_counters_never_wait_more(rate, service, n):
    assert erlang_c(rate, service, n + 1) <= erlang_c(rate, service, n)
    assert expected_wait(rate, service, n + 1) <= expected_wait(rate, service, n)
    assert 0.0 <= erlang_c(rate, service, n) <= 1.0


@PROPERTIES
@given(rates, rates, services, servers)
def test_more_arrivals_never_wait_less(rate, other, service, n):
    low, high = sorted((rate, other))
    assert erlang_c(low, service, n) <= erlang_c(high, service, n)
    assert expected_wait(low, service, n) <= expected_wait(high, service, n)


@PROPERTIES
@given(rates, rates, services, st.floats(1, 3600))
def test_servers_needed_grows_with_arrivals_and_meets_the_target(rate, other, service, target):
    low, high = sorted((rate, other))
    fewer, more = servers_needed(low, service, target), servers_needed(high, service, target)
    if more is not None:
        assert fewer is not None and fewer <= more
    if fewer is not None:
        assert expected_wait(low, service, fewer) <= target
        assert fewer == 1 or expected_wait(low, service, fewer - 1) > target


@PROPERTIES
@given(rates, services, st.floats(1, 3600), st.floats(1, 3600))
def test_a_looser_target_never_needs_more_counters(rate, service, target, other):
    tight, loose = sorted((target, other))
    strict, lenient = servers_needed(rate, service, tight), servers_needed(rate, service, loose)
    if strict is not None:
        assert lenient is not None and lenient <= strict
