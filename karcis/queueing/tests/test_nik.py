"""The shape of a NIK. Every number here is made up."""

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from karcis.queueing.nik import (
    PROVINCE_CODES,
    nik_birth_date,
    nik_masked,
    nik_normalised,
    nik_problem,
)

TODAY = date(2025, 6, 15)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


VALID = [
    ("3171010101010001", date(2001, 1, 1)),  # Jakarta, a man born on 1 January 2001
    ("3271054512990007", date(1999, 12, 5)),  # a woman: day 5 + 40
    ("3501012902000001", date(2000, 2, 29)),  # 2000 is a leap year
    ("3501016902960001", date(1996, 2, 29)),  # a woman born on 29 February 1996
    ("1101013112889999", date(1988, 12, 31)),  # Aceh, the highest serial
    ("9671017107800123", date(1980, 7, 31)),  # Papua Barat Daya (2022), a woman on the 31st
    ("9171010101700001", date(1970, 1, 1)),  # Papua
    ("2171990101990001", date(1999, 1, 1)),  # Kepulauan Riau, district 99
    ("3171 0101 0101 0001", date(2001, 1, 1)),  # grouped by spaces
    ("3171.0101.0101.0001", date(2001, 1, 1)),  # grouped by dots
    ("3171011506250001", date(2025, 6, 15)),  # born today
    ("3171011606250001", date(1925, 6, 16)),  # 16 June 2025 is still to come: 1925
]


@pytest.mark.parametrize(("value", "born"), VALID)
def test_well_shaped_numbers_pass(value, born):
    assert nik_problem(value, today=TODAY) is None
    assert nik_birth_date(value, today=TODAY) == born


INVALID = [
    ("", "A NIK has 16 digits, not 0."),
    ("317101010101000", "A NIK has 16 digits, not 15."),
    ("31710101010100011", "A NIK has 16 digits, not 17."),
    ("317101010101000A", "A NIK is made of digits only."),
    ("３１７１０１０１０１０１０００１", "A NIK is made of digits only."),  # full-width digits
    ("1071010101010001", "A NIK starts with a province code; 10 is not one."),
    ("2071010101010001", "A NIK starts with a province code; 20 is not one."),
    ("5471010101010001", "A NIK starts with a province code; 54 is not one."),
    ("9771010101010001", "A NIK starts with a province code; 97 is not one."),
    ("3100010101010001", "Digits 3–4 of a NIK, the regency or city code, cannot be 00."),
    ("3171000101010001", "Digits 5–6 of a NIK, the district code, cannot be 00."),
    ("3171013202000001", None),  # 32nd
    ("3171010002000001", None),  # day 0
    ("3171014002000001", None),  # a woman's day 0
    ("3171017202000001", None),  # a woman's 32nd
    ("3171010113000001", None),  # month 13
    ("3171010100000001", None),  # month 0
    ("3171013104000001", None),  # 31 April
    ("3171012902970001", None),  # 1997 is not a leap year
    ("3171010101010000", "The last four digits of a NIK cannot be 0000."),
]


@pytest.mark.parametrize(("value", "message"), INVALID)
def test_ill_shaped_numbers_say_what_is_wrong(value, message):
    problem = nik_problem(value, today=TODAY)
    if message is None:  # a date of birth that does not exist
        assert problem == (
            "Digits 7–12 of a NIK are a date of birth, day month year (women add 40 to the "
            f"day); {value[6:12]} is not a date."
        )
    else:
        assert problem == message


def test_the_century_is_the_one_that_is_not_in_the_future():
    # On 28 February 2000, "290200" cannot be 2000 yet, and 29 February 1900 never was.
    assert nik_birth_date("3171012902000001", today=date(2000, 2, 28)) is None
    assert nik_problem("3171012902000001", today=date(2000, 2, 28)) is not None
    # On 28 February 2024, "290224" is 1924, a leap year.
    assert nik_birth_date("3171012902240001", today=date(2024, 2, 28)) == date(1924, 2, 29)


def test_today_defaults_to_the_local_date():
    assert nik_problem("3171010101700001") is None
    tomorrow = date.today() + timedelta(days=2)
    value = f"317101{tomorrow:%d%m%y}0001"
    assert nik_birth_date(value) == tomorrow.replace(year=tomorrow.year - 100)


def test_the_province_codes_are_the_38_provinces():
    assert len(PROVINCE_CODES) == 38
    assert {91, 92, 93, 94, 95, 96} <= PROVINCE_CODES
    assert 97 not in PROVINCE_CODES


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("3171010101010001", "3171••••••••0001"),
        ("3171 0101 0101 0001", "3171••••••••0001"),
        ("123456789", "1234•6789"),
        ("12345678", "••••••••"),
        ("", ""),
    ],
)
def test_masked_for_display(value, masked):
    assert nik_masked(value) == masked


# --- every well-shaped NIK passes -----------------------------------------------------------


ANY_BIRTH = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def well_shaped(draw, born=ANY_BIRTH):
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency = draw(st.integers(1, 99))
    district = draw(st.integers(1, 99))
    birth = draw(born)
    woman = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = birth.day + (40 if woman else 0)
    digits = f"{province:02d}{regency:02d}{district:02d}{day:02d}{birth:%m%y}{serial:04d}"
    return digits, birth


@given(well_shaped())
def test_every_well_shaped_nik_passes(case):
    digits, _ = case
    assert nik_problem(digits, today=TODAY) is None
    grouped = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    assert nik_problem(grouped, today=TODAY) is None
    assert nik_normalised(grouped) == digits


@given(well_shaped(born=st.dates(min_value=date(1925, 6, 16), max_value=TODAY)))
def test_a_birth_date_within_a_century_is_read_back(case):
    digits, born = case
    assert nik_birth_date(digits, today=TODAY) == born


@given(well_shaped(), st.sampled_from(["province", "regency", "district", "serial"]))
def test_a_zero_field_is_refused(case, field):
    digits, _ = case
    start, end = {"province": (0, 2), "regency": (2, 4), "district": (4, 6), "serial": (12, 16)}[
        field
    ]
    broken = digits[:start] + "0" * (end - start) + digits[end:]
    assert nik_problem(broken, today=TODAY) is not None


@given(well_shaped())
def test_the_mask_keeps_only_both_ends(case):
    digits, _ = case
    masked = nik_masked(digits)
    assert masked == digits[:4] + "•" * 8 + digits[12:]
