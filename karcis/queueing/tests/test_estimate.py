"""The wait estimate (karcis.queueing.estimate): cases worked out by hand with constant service
times (where the simulation has no randomness left), then properties with Hypothesis.

No database: the estimate is pure Python. Its accuracy on simulated days is measured by
bench/queue_eta.py, not here.
"""

import math
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karcis.queueing.estimate import (
    MAX_PEOPLE_SIMULATED,
    Counter,
    QueueSnapshot,
    ServiceSample,
    Unknown,
    WaitEstimate,
    baseline_wait,
    day_pace,
    estimate_wait,
    pick_service_samples,
    sample_windows,
)

PROPERTIES = settings(
    max_examples=int(os.environ.get("KARCIS_PROPERTY_EXAMPLES", 150)),
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.too_slow],
)

FIVE_MINUTES = [300.0] * 40
IDLE = Counter(busy=False)


def exactly(seconds: int) -> WaitEstimate:
    return WaitEstimate(low=seconds, expected=seconds, high=seconds)


def snapshot(people_ahead, counters, services=FIVE_MINUTES, **options):
    options.setdefault("pace_spread", 0.0)
    return QueueSnapshot(
        people_ahead=people_ahead, counters=counters, service_seconds=services, **options
    )


# -- cases worked out by hand ---------------------------------------------------------------


def test_no_counter_serving_means_unknown_not_a_number():
    estimate = estimate_wait(snapshot(3, []))
    assert estimate.unknown and estimate.reason == Unknown.NO_COUNTER
    # A counter announced to open is not one serving now.
    announced = Counter(opens_in_seconds=600)
    assert estimate_wait(snapshot(3, [announced])).reason == Unknown.NO_COUNTER


def test_no_history_means_unknown_unless_a_counter_is_free_for_this_person():
    assert estimate_wait(snapshot(2, [IDLE], services=[])).reason == Unknown.NO_HISTORY
    # Nobody ahead and a counter idle: called at once, whatever the history.
    assert estimate_wait(snapshot(0, [IDLE], services=[])) == exactly(0)
    assert estimate_wait(snapshot(1, [IDLE, IDLE], services=[])) == exactly(0)


def test_one_idle_counter_serves_the_people_ahead_one_after_the_other():
    assert estimate_wait(snapshot(3, [IDLE])) == exactly(900)


def test_a_busy_counter_first_finishes_what_remains_of_its_service():
    # Every service takes 300 s; this one has run 100 s: 200 s left, then two people ahead.
    busy = Counter(busy=True, elapsed_seconds=100)
    assert estimate_wait(snapshot(2, [busy])) == exactly(800)


def test_parallel_counters_share_the_people_ahead():
    # Two idle counters call the first two at 0, the next two at 300, the fifth at 600; this
    # person is called when the first counter is free again, at 600.
    assert estimate_wait(snapshot(5, [IDLE, IDLE])) == exactly(600)


def test_a_no_show_costs_the_counter_only_its_wait():
    everyone_gone = snapshot(4, [IDLE], no_show_share=1.0, no_show_seconds=60)
    assert estimate_wait(everyone_gone) == exactly(240)


def test_the_pace_of_the_day_scales_the_service_times():
    assert estimate_wait(snapshot(3, [IDLE], pace=1.5)) == exactly(1350)


def test_a_counter_closing_calls_nobody_after_its_closing():
    # It calls the first person ahead at 0 and the second at 300; that service ends at 600,
    # after its closing at 500, so it calls nobody more: this person waits for a counter that
    # never calls.
    closing = Counter(closes_in_seconds=500)
    estimate = estimate_wait(snapshot(2, [closing]))
    assert estimate.unknown and estimate.reason == Unknown.CLOSING
    # With a counter announced to open at 1000 s, this person is called by it then.
    opening = Counter(opens_in_seconds=1000)
    assert estimate_wait(snapshot(2, [closing, opening])) == exactly(1000)
    # With one person ahead, the closing counter calls this person at 300.
    assert estimate_wait(snapshot(1, [closing, opening])) == exactly(300)


def test_an_unusually_long_service_ends_as_the_longest_ones_did_past_the_next():
    # Services of 1..100 s; one has run 500 s. The five longest ran 1–5 s past the sixth
    # longest (95 s): the remaining time is 1–5 s.
    services = [float(s) for s in range(1, 101)]
    overrun = Counter(busy=True, elapsed_seconds=500)
    estimate = estimate_wait(snapshot(0, [overrun], services=services))
    assert 1 <= estimate.low <= estimate.high <= 5


def test_the_remaining_time_of_a_service_depends_on_how_long_it_has_run():
    rng = random.Random(3)
    services = [rng.lognormvariate(5.5, 0.8) for _ in range(200)]
    just_called = estimate_wait(snapshot(0, [Counter(busy=True)], services=services))
    half_way = estimate_wait(
        snapshot(0, [Counter(busy=True, elapsed_seconds=240)], services=services)
    )
    assert half_way.expected < just_called.expected


def test_a_very_long_queue_adds_the_people_beyond_the_simulated_at_the_average_pace():
    beyond = 50
    estimate = estimate_wait(snapshot(MAX_PEOPLE_SIMULATED + beyond, [IDLE]))
    assert estimate == exactly((MAX_PEOPLE_SIMULATED + beyond) * 300)


def test_the_range_widens_with_the_pace_spread_and_with_the_queue():
    rng = random.Random(5)
    services = [rng.lognormvariate(5.5, 0.6) for _ in range(100)]
    counters = [Counter(busy=True, elapsed_seconds=60)] * 3
    narrow = estimate_wait(snapshot(10, counters, services, pace_spread=0.0))
    wide = estimate_wait(snapshot(10, counters, services, pace_spread=0.3))
    longer = estimate_wait(snapshot(30, counters, services, pace_spread=0.0))
    assert narrow.low < narrow.expected < narrow.high
    assert wide.high - wide.low > narrow.high - narrow.low
    assert longer.high - longer.low > narrow.high - narrow.low


def test_invalid_snapshots_are_refused():
    with pytest.raises(ValueError):
        estimate_wait(snapshot(-1, [IDLE]))
    with pytest.raises(ValueError):
        estimate_wait(snapshot(1, [IDLE], no_show_share=1.5))
    with pytest.raises(ValueError):
        estimate_wait(snapshot(1, [IDLE], services=[300.0, math.nan]))
    with pytest.raises(ValueError):
        estimate_wait(snapshot(1, [Counter(busy=True, opens_in_seconds=60)]))
    with pytest.raises(ValueError):
        estimate_wait(snapshot(1, [IDLE], pace=0.0))


def test_the_baseline_is_position_times_the_mean():
    assert baseline_wait(1, 300.0) == 300
    assert baseline_wait(4, 272.4) == 1090


# -- the samples and the pace of the day ----------------------------------------------------


def samples_at(weekday, hour, count, seconds=300.0):
    return [ServiceSample(weekday, hour, seconds)] * count


def test_samples_come_from_the_narrowest_window_that_holds_enough():
    monday_9 = samples_at(0, 9, 30, 100.0)
    monday_10 = samples_at(0, 10, 20, 200.0)
    tuesday_9 = samples_at(1, 9, 20, 300.0)
    others = samples_at(3, 14, 50, 400.0)
    history = monday_9 + monday_10 + tuesday_9 + others

    assert pick_service_samples(history, weekday=0, hour=9) == [100.0] * 30
    # Monday 10:00 has 20: Monday 09:00–11:00 has 50.
    assert sorted(pick_service_samples(history, weekday=0, hour=10)) == [100.0] * 30 + [200.0] * 20
    # Tuesday 09:00 has 20, Tuesday 08:00–10:00 too: every weekday at 09:00 has 50.
    assert sorted(pick_service_samples(history, weekday=1, hour=9)) == [100.0] * 30 + [300.0] * 20
    # Friday 17:00: nothing near, everything.
    assert len(pick_service_samples(history, weekday=4, hour=17)) == len(history)
    assert pick_service_samples([], weekday=0, hour=9) == []


def test_sample_windows_go_from_narrow_to_everything():
    windows = list(sample_windows(0, 0))
    assert windows[0].weekdays == {0} and windows[0].hours == {0}
    assert windows[1].hours == {0, 1}  # no hour -1
    assert len(windows[-1].weekdays) == 7 and len(windows[-1].hours) == 24


def test_the_pace_of_the_day_moves_with_todays_services_and_their_number():
    # Usual services of 150 or 450 s: mean 300, cv 0.5; with days 10% apart, today's mean
    # counts as if (0.5 / 0.1)² = 25 usual services stood beside it.
    usual = [150.0, 450.0] * 25
    assert day_pace([], usual) == 1.0
    assert day_pace([600.0] * 25, usual) == pytest.approx(1.5)  # half way
    assert day_pace([600.0] * 225, usual) == pytest.approx(1.9)
    assert day_pace([150.0] * 25, usual) == pytest.approx(0.75)
    # Services that vary less: today's mean is more telling.
    assert day_pace([600.0] * 25, [250.0, 350.0] * 25) > 1.5
    assert day_pace([600.0], []) == 1.0


# -- properties -----------------------------------------------------------------------------

service_times = st.lists(st.floats(10, 3600), min_size=1, max_size=60)
counter = st.builds(Counter, busy=st.booleans(), elapsed_seconds=st.floats(0, 3600))
snapshots = st.builds(
    QueueSnapshot,
    people_ahead=st.integers(0, 60),
    counters=st.lists(counter, min_size=1, max_size=6),
    service_seconds=service_times,
    pace=st.floats(0.5, 2.0),
    no_show_share=st.floats(0, 0.5),
    no_show_seconds=st.floats(0, 180),
    pace_spread=st.floats(0, 0.3),
)


def at_most(a: WaitEstimate, b: WaitEstimate) -> bool:
    return a.low <= b.low and a.expected <= b.expected and a.high <= b.high


@PROPERTIES
@given(snapshots)
def test_the_expected_wait_lies_within_the_range(s):
    estimate = estimate_wait(s)
    assert not estimate.unknown
    assert 0 <= estimate.low <= estimate.expected <= estimate.high


@PROPERTIES
@given(snapshots)
def test_one_more_person_ahead_never_shortens_the_wait(s):
    one_more = QueueSnapshot(**{**s.__dict__, "people_ahead": s.people_ahead + 1})
    assert at_most(estimate_wait(s), estimate_wait(one_more))


@PROPERTIES
@given(snapshots, counter)
def test_one_more_counter_never_lengthens_the_wait(s, added):
    more = QueueSnapshot(**{**s.__dict__, "counters": [*s.counters, added]})
    assert at_most(estimate_wait(more), estimate_wait(s))


@PROPERTIES
@given(snapshots, st.randoms(use_true_random=False))
def test_the_same_queue_gives_the_same_estimate_whatever_the_samples_order(s, rng):
    shuffled = list(s.service_seconds)
    rng.shuffle(shuffled)
    again = QueueSnapshot(**{**s.__dict__, "service_seconds": shuffled})
    assert estimate_wait(s) == estimate_wait(s) == estimate_wait(again)
