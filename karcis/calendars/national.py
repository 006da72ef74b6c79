"""Indonesia's national holidays, from the `holidays` package (its "ID" calendar).

The package estimates the dates it cannot know yet (the Islamic calendar's, some others)
and marks their names, in each language, with its own label ("(perkiraan)",
"(estimated)"); those come back with `estimated=True` and the mark kept in the name.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays


@dataclass(frozen=True)
class NationalHoliday:
    date: date
    name: str
    estimated: bool


def _package_language(language: str) -> str:
    return "id" if language.lower().startswith("id") else "en_US"


@lru_cache(maxsize=64)
def national_holidays(year: int, language: str = "id") -> tuple[NationalHoliday, ...]:
    """The year's national holidays in date order, named in `language` ("id" or "en")."""
    calendar = holidays.country_holidays("ID", years=year, language=_package_language(language))
    # The package translates its own label as it names the holidays.
    mark = calendar.tr(calendar.estimated_label).replace("%s", "").strip()
    found = []
    for day in sorted(calendar):
        names = calendar.get_list(day)
        found.append(
            NationalHoliday(
                date=day,
                name="; ".join(names),
                estimated=bool(mark) and any(name.strip().endswith(mark) for name in names),
            )
        )
    return tuple(found)


def national_dates(years: range) -> frozenset[date]:
    return frozenset(holiday.date for year in years for holiday in national_holidays(year))


def national_holiday_on(day: date) -> NationalHoliday | None:
    for holiday in national_holidays(day.year):
        if holiday.date == day:
            return holiday
    return None
