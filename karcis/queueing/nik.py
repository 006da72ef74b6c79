"""The shape of a NIK (Nomor Induk Kependudukan), the 16-digit Indonesian identity number.

Only the shape is checked, offline: whether the number belongs to a person is for Dukcapil.

    PP KK CC DDMMYY SSSS
    │  │  │  │      └ serial, 0001..9999
    │  │  │  └ date of birth; women add 40 to the day (a woman born on the 5th: 45)
    │  │  └ district (kecamatan), 01..99
    │  └ regency or city (kabupaten/kota), 01..99
    └ province

The century is not written: a birth year YY is 20YY unless that date is still to come,
then 19YY. So a 29 February is valid only when that year is a leap year.

Province codes are the Ministry of Home Affairs' (Kemendagri) region codes, which Dukcapil
uses in the NIK: the 38 provinces, with the four provinces made from Papua in 2022
(UU 14, 15, 16 and 29 of 2022) as 93 Papua Selatan, 94 Papua Tengah, 95 Papua Pegunungan and
96 Papua Barat Daya. A NIK is not reissued when a province is split, so older numbers keep
91 (Papua) and 92 (Papua Barat): every code stays valid. There is no province 97.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

PROVINCE_CODES = frozenset(
    {
        *range(11, 20),  # Aceh .. Kepulauan Bangka Belitung
        21,  # Kepulauan Riau
        *range(31, 37),  # DKI Jakarta .. Banten
        *range(51, 54),  # Bali, Nusa Tenggara Barat, Nusa Tenggara Timur
        *range(61, 66),  # Kalimantan Barat .. Kalimantan Utara
        *range(71, 77),  # Sulawesi Utara .. Sulawesi Barat
        81,  # Maluku
        82,  # Maluku Utara
        *range(91, 97),  # Papua, Papua Barat, and the four of 2022
    }
)
WOMEN_DAY_OFFSET = 40
MASK = "•"

# People write a NIK in groups: "3171 0101 0101 0001", "3171.0101.0101.0001" (as the desk's
# identity-number field accepts it).
_SEPARATORS = re.compile(r"[\s.-]")
_DIGITS = re.compile(r"[0-9]*")


def nik_normalised(value: str) -> str:
    """The NIK without the spaces, dots and dashes people group it with."""
    return _SEPARATORS.sub("", value)


def nik_problem(value: str, *, today: date | None = None) -> str | None:
    """None when ``value`` has the shape of a NIK, else a message saying what is wrong, in
    the active language (call it while handling the request, e.g. in a form's clean).
    ``today`` (default: the local date) decides the century of the birth year."""
    digits = nik_normalised(value)
    if not _DIGITS.fullmatch(digits):
        return _("A NIK is made of digits only.")
    if len(digits) != 16:
        return _("A NIK has 16 digits, not %(count)d.") % {"count": len(digits)}
    if int(digits[0:2]) not in PROVINCE_CODES:
        return _("A NIK starts with a province code; %(code)s is not one.") % {"code": digits[0:2]}
    if digits[2:4] == "00":
        return _("Digits 3–4 of a NIK, the regency or city code, cannot be 00.")
    if digits[4:6] == "00":
        return _("Digits 5–6 of a NIK, the district code, cannot be 00.")
    if nik_birth_date(digits, today=today) is None:
        return _(
            "Digits 7–12 of a NIK are a date of birth, day month year (women add 40 to the "
            "day); %(digits)s is not a date."
        ) % {"digits": digits[6:12]}
    if digits[12:16] == "0000":
        return _("The last four digits of a NIK cannot be 0000.")
    return None


def nik_birth_date(value: str, *, today: date | None = None) -> date | None:
    """The date of birth written in a NIK (digits 7–12), None if it is not a date.
    Precondition: ``value`` normalises to 16 digits."""
    digits = nik_normalised(value)
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > WOMEN_DAY_OFFSET:
        day -= WOMEN_DAY_OFFSET
    today = today or timezone.localdate()
    # Compared as tuples: the 20YY date may not exist (29 February) or be in the future.
    century = 2000 if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900
    try:
        return date(century + year, month, day)
    except ValueError:
        return None


def nik_masked(value: str) -> str:
    """A NIK for display, its middle hidden: 3171••••••••0001. A value too short to keep
    anything hidden is masked whole."""
    digits = nik_normalised(value)
    if len(digits) <= 8:
        return MASK * len(digits)
    return digits[:4] + MASK * (len(digits) - 8) + digits[-4:]
