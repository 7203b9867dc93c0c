"""How the orchestrations split rendering into activities: a small report's formats of one
type together, a large report's artifacts each apart; every artifact once, longest first."""

from __future__ import annotations

import pytest

from orchestrators.common import RENDER_TOGETHER_ROWS, render_groups
from shared.storage.layout import DEFAULT_FORMATS, FORMATS, REPORT_TYPES, artifact_pairs


def _artifacts(groups: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, str]]:
    return [(t, f) for t, formats in groups for f in formats]


@pytest.mark.parametrize("formats", [DEFAULT_FORMATS, FORMATS, ("pdf",), ("xlsx", "html")])
@pytest.mark.parametrize("rows", [0, 5_000, RENDER_TOGETHER_ROWS, RENDER_TOGETHER_ROWS + 1])
def test_every_artifact_is_rendered_once(rows, formats):
    groups = render_groups(list(REPORT_TYPES), list(formats), rows)
    assert sorted(_artifacts(groups)) == sorted(artifact_pairs(REPORT_TYPES, formats))


def test_a_small_reports_formats_render_together_longest_first():
    groups = render_groups(list(REPORT_TYPES), list(FORMATS), 5_000)
    assert groups == [("detailed", ("html", "pdf", "xlsx")),
                      ("operations", ("html", "pdf", "xlsx")),
                      ("security", ("html", "pdf", "xlsx")),
                      ("cost", ("html", "pdf", "xlsx")),
                      ("executive", ("html", "pdf", "xlsx", "pptx"))]


def test_a_large_reports_artifacts_render_apart_the_detailed_pdf_first():
    groups = render_groups(list(REPORT_TYPES), list(DEFAULT_FORMATS), RENDER_TOGETHER_ROWS + 1)
    assert all(len(formats) == 1 for _, formats in groups)
    assert groups[0] == ("detailed", ("pdf",))
    assert [f for _, (f,) in groups[-5:]] == ["html"] * 5  # HTML is quick: last
