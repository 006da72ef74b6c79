"""How many counters keep the expected wait under a target: Erlang C, pure Python.

The model (M/M/c): people arrive at random (Poisson) at a steady rate, each service takes an
exponentially distributed time with the given mean, `servers` counters serve one queue, and
nobody leaves. Real offices break every assumption a little (services are skewed, people
come in waves, some leave): the figures are staffing advice for an hour's forecast arrival
rate, the standard tool of call centres, not a promise. The live estimate of one person's
wait (`karcis.queueing.estimate`) does not use this model.

Offered load `a` = arrival rate × mean service time (in Erlangs: how many counters would be
busy on average). With `servers` ≤ `a` the queue grows without end: everyone waits and the
expected wait is infinite.

Numerics: the Erlang B blocking probability by its recursion
B(0) = 1, B(n) = a·B(n−1) / (n + a·B(n−1)), then C = n·B / (n − a·(1 − B)).
Every step stays in [0, 1], so there are no factorials or powers to overflow (the textbook
sum of aⁿ/n! overflows a float past n ≈ 170 and loses precision well before).
"""

from __future__ import annotations

import math

SECONDS_PER_HOUR = 3600.0


def offered_load(arrival_rate_per_hour: float, mean_service_seconds: float) -> float:
    """Erlangs: the average number of counters the arrivals keep busy."""
    _check(arrival_rate_per_hour, mean_service_seconds)
    return arrival_rate_per_hour * mean_service_seconds / SECONDS_PER_HOUR


def erlang_c(arrival_rate_per_hour: float, mean_service_seconds: float, servers: int) -> float:
    """The probability that an arrival waits (finds every counter busy), 0–1; 1 when the
    counters cannot keep up (load ≥ servers), 0 when nobody arrives."""
    load = offered_load(arrival_rate_per_hour, mean_service_seconds)
    _check_servers(servers)
    if load == 0:
        return 0.0
    if servers <= load:
        return 1.0
    return _erlang_c(load, servers, _erlang_b(load, servers))


def expected_wait(arrival_rate_per_hour: float, mean_service_seconds: float, servers: int) -> float:
    """The mean wait before service, in seconds, over all arrivals (those served at once
    count as 0): C · mean service / (servers − load). Infinite when load ≥ servers."""
    load = offered_load(arrival_rate_per_hour, mean_service_seconds)
    _check_servers(servers)
    if load == 0:
        return 0.0
    if servers <= load:
        return math.inf
    probability = _erlang_c(load, servers, _erlang_b(load, servers))
    return probability * mean_service_seconds / (servers - load)


def servers_needed(
    arrival_rate_per_hour: float,
    mean_service_seconds: float,
    target_wait_seconds: float,
    max_servers: int = 50,
) -> int | None:
    """The fewest counters whose expected wait is at most `target_wait_seconds`; 0 when
    nobody arrives; None when even `max_servers` do not meet the target (the page says "more
    than 50"), which includes an infinite arrival rate and a target of 0 with any arrival.

    One pass of the Erlang B recursion up to the answer."""
    _check(arrival_rate_per_hour, mean_service_seconds)
    if math.isnan(target_wait_seconds) or target_wait_seconds < 0:
        raise ValueError("target_wait_seconds must not be negative")
    _check_servers(max_servers)
    load = offered_load(arrival_rate_per_hour, mean_service_seconds)
    if load == 0:
        return 0
    if math.isinf(load):
        return None
    blocking = 1.0
    for servers in range(1, max_servers + 1):
        blocking = load * blocking / (servers + load * blocking)
        if servers <= load:
            continue
        wait = _erlang_c(load, servers, blocking) * mean_service_seconds / (servers - load)
        if wait <= target_wait_seconds:
            return servers
    return None


def _erlang_b(load: float, servers: int) -> float:
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def _erlang_c(load: float, servers: int, blocking: float) -> float:
    return servers * blocking / (servers - load * (1.0 - blocking))


def _check(arrival_rate_per_hour: float, mean_service_seconds: float) -> None:
    if math.isnan(arrival_rate_per_hour) or arrival_rate_per_hour < 0:
        raise ValueError("arrival_rate_per_hour must not be negative")
    if not math.isfinite(mean_service_seconds) or mean_service_seconds <= 0:
        raise ValueError("mean_service_seconds must be positive and finite")


def _check_servers(servers: int) -> None:
    if servers < 0:
        raise ValueError("servers must not be negative")
