"""The public pages' pure helpers: the wait in words and the masked phone number."""

import re

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from karcis.queueing.public import phone_masked, wait_text
from karcis.queueing.selectors import Wait


def test_the_wait_in_words():
    with translation.override("id"):
        assert wait_text(Wait(low=480, high=1080, expected=720)) == (
            "sekitar 12 menit, antara 8 dan 18 menit"
        )
        assert wait_text(Wait(low=0, high=40, expected=10)) == "sebentar lagi"
        assert wait_text(Wait(low=600, high=600, expected=600)) == "sekitar 10 menit"
        unknown = Wait(low=0, high=0, expected=0, unknown=True, reason="no_counter")
        assert wait_text(unknown).startswith("Belum ada loket yang melayani")
        assert wait_text(Wait(0, 0, 0, unknown=True, reason="no_history")).startswith(
            "Belum ada perkiraan"
        )
    with translation.override("en"):
        assert wait_text(Wait(low=480, high=1080, expected=720)) == (
            "about 12 min, between 8 and 18 min"
        )
    assert wait_text(None) == ""


@given(st.integers(0, 20_000), st.integers(0, 20_000), st.integers(0, 20_000))
def test_the_range_in_words_is_ordered_and_holds_the_expected_figure(a, b, c):
    low, expected, high = sorted((a, b, c))
    with translation.override("en"):
        text = wait_text(Wait(low=low, high=high, expected=expected))
    figures = [int(n) for n in re.findall(r"\d+", text)]
    if len(figures) == 3:
        shown_expected, shown_low, shown_high = figures
        assert shown_low <= shown_expected <= shown_high
        assert shown_low * 60 <= low and high <= shown_high * 60  # the range only widens
    else:
        assert len(figures) <= 1


@given(st.text(alphabet="+0123456789", min_size=0, max_size=16))
def test_a_masked_phone_number_hides_its_middle(phone):
    masked = phone_masked(phone)
    assert len(masked) == len(phone)
    hidden = masked.count("•") - phone.count("•")
    assert hidden * 3 >= len(phone)  # at least a third hidden, always
    assert len(phone) - hidden <= 9
    shown = masked.replace("•", "")
    assert phone.startswith(shown[:3]) and phone.endswith(shown[-2:] if shown else "")


def test_an_indonesian_mobile_number_keeps_its_operator_prefix_and_last_digits():
    assert phone_masked("+6281234567890") == "+62812•••••890"
    assert phone_masked("+622112345") == "+62•••••45"
