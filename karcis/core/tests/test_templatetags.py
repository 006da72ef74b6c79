from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load karcis %}" + source).render(Context(context))


def test_select_options_marks_the_chosen_value_compared_as_text():
    choices = [(1, "Tagihan"), (2, "Teknis")]
    html = render("{% select_options choices selected=chosen %}", choices=choices, chosen="2")
    assert html == '<option value="1">Tagihan</option><option value="2" selected>Teknis</option>'


def test_select_options_without_a_choice_selects_nothing_and_escapes():
    choices = [("a&b", "<Teknis>"), ("", "Kosong")]
    html = render("{% select_options choices %}", choices=choices)
    assert html == (
        '<option value="a&amp;b">&lt;Teknis&gt;</option><option value="">Kosong</option>'
    )
