"""The charts' geometry: everything inside the plot, the axis above the highest value, the
category labels thinned to fit."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from karcis.queueing import charts

values = st.lists(
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
    min_size=1,
    max_size=92,
)


@given(values, values)
def test_everything_is_drawn_inside_the_plot(bars, line):
    count = max(len(bars), len(line))
    bars, line = bars + [None] * (count - len(bars)), line + [None] * (count - len(line))
    drawn = charts.chart(
        "t",
        [f"{n:02d}:00" for n in range(count)],
        [charts.Series("a", bars), charts.Series("b", line, "line", "b")],
    )
    for bar in drawn.bars:
        assert bar.x >= 0 and bar.x + bar.width <= 100
        assert charts.TOP <= bar.y <= drawn.bottom
        assert bar.y + bar.height == pytest.approx(drawn.bottom)
    for dot in drawn.lines[0].dots:
        assert 0 < dot.x < 100 and charts.TOP <= dot.y <= drawn.bottom
    assert drawn.ticks[0].y == drawn.bottom and drawn.ticks[-1].y == charts.TOP
    assert 1 <= len(drawn.labels_narrow) <= len(drawn.labels_wide) <= count


@given(st.floats(min_value=1e-3, max_value=1e9))
def test_the_scale_reaches_the_highest_value_in_a_few_round_steps(highest):
    top, step = charts.nice_scale(highest)
    assert top >= highest * (1 - 1e-9)
    assert 1 <= top / step <= 8
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)


def test_a_missing_value_breaks_the_line():
    drawn = charts.chart("t", ["a", "b", "c", "d"], [charts.Series("s", [1, 2, None, 3], "line")])
    assert len(drawn.lines[0].dots) == 3
    assert len(drawn.lines[0].segments) == 1  # a–b; nothing joins b and d


def test_nothing_but_zeros_is_an_empty_chart():
    assert charts.chart("t", ["a"], [charts.Series("s", [0, None])]).empty
    assert not charts.chart("t", ["a"], [charts.Series("s", [0.5])]).empty


def test_labels_are_thinned_for_a_phone():
    days = [f"{n} Nov" for n in range(1, 29)]
    drawn = charts.chart("t", days, [charts.Series("s", [1] * 28)])
    assert len(drawn.labels_narrow) <= 5
    assert drawn.labels_narrow[0].text == "1 Nov"
