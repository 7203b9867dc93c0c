"""Property tests: any bytes, any CSV-like text, end in a result or the module's own refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.advisor.model import ExportRefused
from shared.advisor.parse import Limits, parse_export
from shared.advisor.stats import compute_statistics
from tests.support.exports import HEADER_17

SMALL = Limits(max_bytes=20_000, max_rows=200)
cells = st.text(alphabet=st.sampled_from(list('ab1,;|\t"\r\n =$.€Ω-')), max_size=12)


def _outcome(data: bytes) -> None:
    try:
        result = parse_export(data, SMALL)
    except ExportRefused as refused:
        assert refused.code and refused.message
        return
    assert result.rows_accepted + result.rows_rejected + result.duplicates == result.rows_total
    assert all(r.recommendation for r in result.records)
    compute_statistics(result.records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    _outcome(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([",", ";", "\t", "|"]),
       st.lists(st.lists(cells, min_size=0, max_size=20), max_size=30),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_csv_like_text_under_an_advisor_header(delimiter, rows, encoding):
    lines = [delimiter.join(HEADER_17)] + [delimiter.join(r) for r in rows]
    data = "\r\n".join(lines).encode(encoding, errors="replace")
    _outcome(data)
