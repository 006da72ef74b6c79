"""Business calendars in a real browser, on a phone (390 px) and with the keyboard: an
administrator opens Settings → Business calendars, types the office hours with a break
for Friday prayers, saves, sees the year's national holidays with their source, marks one
as not a holiday and restores it."""

import pytest
from django_scopes import scopes_disabled

from karcis.calendars.models import BusinessCalendar, CalendarDate
from karcis.core import services as core_services
from karcis.core.models import Role
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        return core_services.staff_user_create(
            organisation=org,
            email="rina@dinas.test",
            name="Rina Admin",
            role=Role.ADMIN,
            password=PASSWORD,
        )


def test_admin_sets_office_hours_and_corrects_a_holiday_on_a_phone(
    live_server, new_page, shoot, admin
):
    page = new_page(width=390, height=844)
    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Kalender kerja").first.click()
    page.get_by_role("link", name="Buat kalender pertama").click()

    # The keyboard alone: type, Tab from field to field, Enter submits.
    page.get_by_label("Nama", exact=True).fill("Jam kerja kantor")
    page.get_by_label("Jumat").fill("08:00-11:30, 13:00-17:00")
    page.get_by_label("Jumat").press("Tab")
    page.get_by_label("Sabtu").press("Enter")
    page.wait_for_url("**/settings/calendars/*/")
    shoot(page, "calendars-01-saved-phone")

    # Nothing scrolls sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with scopes_disabled():
        calendar = BusinessCalendar.objects.get()
        assert calendar.weekly[4] == [[480, 690], [780, 1020]]
        assert calendar.is_default
    holidays = page.locator("#holidays")
    assert "Libur nasional" in holidays.inner_text()

    page.goto(f"{live_server.url}/settings/calendars/{calendar.pk}/?year=2026#holidays")
    row = page.locator("table.holidays tr", has_text="17 Agu 2026")
    row.get_by_role("button", name="Bukan hari libur").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Dihapus oleh admin" in page.locator("table.holidays tr", has_text="17 Agu").inner_text()
    shoot(page, "calendars-02-removed-phone")
    with scopes_disabled():
        assert CalendarDate.objects.get().kind == "removed"

    with page.expect_navigation():
        page.get_by_role("button", name="Pulihkan hari libur").click()
    with scopes_disabled():
        assert not CalendarDate.objects.exists()
