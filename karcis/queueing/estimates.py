"""The wait estimate of a ticket in line, from the queue as it is now (karcis.queueing.estimate
does the arithmetic; this module reads what it needs).

- Service times: the service's finished tickets of the last four weeks, from the call to the
  end of service, by local weekday and hour (cached for five minutes per service);
- no-shows: their share of the service's calls over the same weeks;
- the counters: those open that serve the service and will call from its line now (a
  counter whose earlier services have people waiting is busy with those), each busy or idle
  and for how long its current person has been at it;
- the pace of the day: today's last services against the usual ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from karcis.queueing import estimate
from karcis.queueing.models import IN_LINE, Counter, QueueStatus, QueueTicket
from karcis.queueing.selectors import Wait

HISTORY = timedelta(days=28)
CACHE_SECONDS = 300
TODAY_WINDOW = timedelta(minutes=90)


def _history_key(service_id: int, now: datetime) -> str:
    return f"queueing:history:{service_id}:{int(now.timestamp()) // CACHE_SECONDS}"


def service_history(service_id: int, zone: Any, now: datetime) -> dict[str, Any]:
    """The service's recent service times (weekday, hour, seconds) and no-show share."""
    key = _history_key(service_id, now)
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    rows = QueueTicket.objects.filter(
        service_id=service_id,
        called_at__gte=now - HISTORY,
        status__in=(QueueStatus.DONE, QueueStatus.NO_SHOW, QueueStatus.TRANSFERRED),
    ).values_list("status", "called_at", "finished_at")
    samples, no_shows, calls = [], 0, 0
    for status, called_at, finished_at in rows:
        calls += 1
        if status == QueueStatus.NO_SHOW:
            no_shows += 1
            continue
        if finished_at is None or called_at is None or finished_at < called_at:
            continue
        local = called_at.astimezone(zone)
        seconds = (finished_at - called_at).total_seconds()
        samples.append(estimate.ServiceSample(local.weekday(), local.hour, seconds))
    history = {"samples": samples, "no_show_share": no_shows / calls if calls else 0.0}
    cache.set(key, history, CACHE_SECONDS + 60)
    return history


def _counters_for(ticket: QueueTicket, now: datetime) -> list[estimate.Counter]:
    counters = [
        counter
        for counter in Counter.objects.filter(point=ticket.point_id, is_open=True, is_active=True)
        if ticket.service_id in counter.services
    ]
    if not counters:
        return []
    earlier = {
        service_id
        for counter in counters
        for service_id in counter.services[: counter.services.index(ticket.service_id)]
    }
    waiting_elsewhere = set(
        QueueTicket.objects.filter(
            service_id__in=earlier, day=ticket.day, status__in=IN_LINE, queued_at__lte=now
        )
        .values_list("service_id", flat=True)
        .distinct()
    )
    busy_since = dict(
        QueueTicket.objects.filter(
            counter__in=counters,
            status__in=(QueueStatus.CALLED, QueueStatus.SERVING),
        ).values_list("counter_id", "called_at")
    )
    result = []
    for counter in counters:
        ahead_of_us = counter.services[: counter.services.index(ticket.service_id)]
        if any(service_id in waiting_elsewhere for service_id in ahead_of_us):
            continue  # it calls from an earlier line first
        since = busy_since.get(counter.pk)
        result.append(
            estimate.Counter(
                busy=since is not None,
                elapsed_seconds=max(0.0, (now - since).total_seconds()) if since else 0.0,
            )
        )
    return result


def _today_services(service_id: int, now: datetime) -> list[float]:
    rows = QueueTicket.objects.filter(
        service_id=service_id,
        status=QueueStatus.DONE,
        finished_at__gte=now - TODAY_WINDOW,
    ).filter(~Q(called_at=None))
    return [
        (finished - called).total_seconds()
        for called, finished in rows.values_list("called_at", "finished_at")
        if finished and called and finished >= called
    ]


def wait_for(ticket: QueueTicket, ahead: int, now: datetime) -> Wait:
    from karcis.queueing.services import zone_of

    zone = zone_of(ticket.point)
    history = service_history(ticket.service_id, zone, now)
    local = now.astimezone(zone)
    usual = estimate.pick_service_samples(
        history["samples"], weekday=local.weekday(), hour=local.hour
    )
    counters = _counters_for(ticket, now)
    result = estimate.estimate_wait(
        estimate.QueueSnapshot(
            people_ahead=ahead,
            counters=counters,
            service_seconds=usual,
            pace=estimate.day_pace(_today_services(ticket.service_id, now), usual),
            no_show_share=history["no_show_share"],
        )
    )
    # A booking checked in before its slot is not called before the slot (unless nobody
    # else waits): the wait is at least the time left until then.
    floor = 0
    if ticket.queued_at is not None and ticket.queued_at > now:
        floor = int((ticket.queued_at - now).total_seconds())
    return Wait(
        low=max(result.low, floor),
        high=max(result.high, floor),
        expected=max(result.expected, floor),
        unknown=result.unknown,
        reason=result.reason,
    )
