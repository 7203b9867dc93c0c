"""Writing untrusted export text back out: spreadsheets, HTML and reportlab markup."""

from __future__ import annotations

import pytest

from shared.advisor.safety import escape_html, escape_paragraph, neutralise_formula


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)",
                                   "\tcmd", "\rcmd"])
def test_formulas_are_neutralised(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Right-size VMs", "", "100", "a=b"])
def test_plain_text_is_left_alone(value):
    assert neutralise_formula(value) == value


def test_html_and_paragraph_escaping():
    hostile = '<script>alert("x")</script> & \'q\''
    assert "<" not in escape_html(hostile) and "&amp;" in escape_html(hostile)
    assert escape_paragraph(hostile) == \
        '&lt;script&gt;alert("x")&lt;/script&gt; &amp; \'q\''
    assert escape_html(None) == "" and escape_paragraph(None) == ""
