"""The demo's calendar, as karcis.demo.builder will build it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from karcis.calendars import selectors
from karcis.calendars.demo import calendars_demo

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


def test_the_demo_calendar_is_the_default_office_week(org, admin_user):
    calendar = calendars_demo(organisation=org, actor=admin_user)
    assert calendars_demo(organisation=org, actor=admin_user) == calendar  # built once
    assert calendar.is_default and calendar.time_zone == "Asia/Jakarta"
    hours = selectors.hours_for(organisation_id=org.pk)
    friday = datetime(2026, 3, 6, 11, 0, tzinfo=WIB)
    assert hours.add(friday, timedelta(hours=1)) == datetime(2026, 3, 6, 13, 30, tzinfo=WIB)
    assert not hours.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=WIB))  # cuti bersama
    assert not hours.is_open(datetime(2026, 8, 17, 10, 0, tzinfo=WIB))  # national
    assert calendar.dates.count() == 2
