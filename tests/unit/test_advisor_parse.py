"""Reading Advisor exports: every layout, encoding, delimiter and hazard, refusals and warnings."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest

import shared.advisor.parse as parse_module
import shared.advisor.rows as rows_module
from shared.advisor.model import ExportRefused
from shared.advisor.parse import Limits, parse_export, read_header
from tests.support.exports import (
    HEADER_13,
    HEADER_14,
    HEADER_17,
    HEADER_API,
    build_rows,
    to_csv,
)

H17 = ",".join(f'"{h}"' if "," in h else h for h in HEADER_17)


def csv_text(*rows: str, header: str = H17) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def row17(category="Cost", impact="High", text="Right-size VMs", sub="s-1", name="Prod",
          group="rg", resource="vm1", kind="Microsoft.Compute/virtualMachines",
          updated="2024-05-14T10:21:33Z", benefits="", savings="", currency="",
          retirement="", feature="") -> str:
    cells = [category, impact, text, sub, name, group, resource, kind, updated, benefits,
             savings, currency, "", "", "", retirement, feature]
    return ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c
                    for c in cells)


# -- layouts and column names ---------------------------------------------------------------


@pytest.mark.parametrize("header", [HEADER_17, HEADER_14, HEADER_13, HEADER_API],
                         ids=["17-columns", "14-columns", "13-columns", "api-flat"])
def test_each_layout_is_read_completely(header):
    rows = build_rows(120, seed=3)
    result = parse_export(to_csv(rows, header))
    assert result.rows_total == 120 and result.rows_accepted == 120 and not result.errors
    assert not result.columns.unrecognised
    first = result.records[0]
    assert first.recommendation == rows[0]["Recommendation"]
    assert first.subscription_id == rows[0]["Subscription ID"]
    assert first.resource_type == rows[0]["Type"]
    assert first.resource_name == rows[0]["Resource Name"]
    if "Category" in header:
        assert {r.category for r in result.records} <= {
            "Cost", "Security", "Reliability", "OperationalExcellence", "Performance"}
    else:
        assert all(r.category == "" for r in result.records)
    if "Potential Annual Cost Savings" in header:
        cost = [r for r in result.records if r.category == "Cost"]
        assert cost and all(r.annual_savings is not None and r.currency == "USD" for r in cost)
    if header is HEADER_API:
        assert first.solution and first.recommendation_type_id


def test_headers_match_without_regard_to_case_spaces_or_punctuation():
    header = ("CATEGORY;business_impact;  recommendation ;subscription-id;POTENTIAL ANNUAL "
              "COST SAVINGS;potential cost savings currency;Retirement Date;My Own Column")
    data = (header + "\nCost;High;Buy reservations;s1;1.234,56;EUR;31/03/2026;kept\n").encode()
    result = parse_export(data)
    rec = result.records[0]
    assert rec.annual_savings == Decimal("1234.56") and rec.currency == "EUR"
    assert rec.retirement_date == "2026-03-31"
    assert rec.extra == {"My Own Column": "kept"}
    assert result.columns.unrecognised == ["My Own Column"]
    assert result.columns.recognised["POTENTIAL ANNUAL COST SAVINGS"] == "annual_savings"


def test_second_column_for_the_same_field_is_kept_as_data():
    data = b"Recommendation,Type,Impacted Field\nFix it,Virtual machine,Microsoft.Compute/vm\n"
    rec = parse_export(data).records[0]
    assert rec.resource_type == "Virtual machine"
    assert rec.extra == {"Impacted Field": "Microsoft.Compute/vm"}


# -- encodings, delimiters, quoting ---------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16-le", "utf-16-be"])
def test_encodings(encoding):
    text = to_csv(build_rows(5, seed=11), delimiter="\t", encoding="utf-8").decode()
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    result = parse_export(bom + text.encode(encoding))
    assert result.rows_accepted == 5
    names = {r.subscription_name for r in result.records}
    assert names <= {"Contoso Production", "Zürich-Prod", "Sandbox (Ω)", "Тестовая подписка"}
    assert result.delimiter == "tab"


def test_large_utf16_files_are_read_and_their_header_checked():
    text = to_csv(build_rows(800, seed=12), delimiter="\t", encoding="utf-8").decode()
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert len(data) > 65536
    columns, encoding, delimiter = read_header(data)
    assert "recommendation" in columns.fields
    assert encoding == "utf-16-le" and delimiter == "tab"
    assert parse_export(data).rows_accepted == 800


def test_invalid_utf8_after_the_first_64k_falls_back_to_cp1252():
    rows = to_csv(build_rows(600, seed=13), encoding="utf-8")
    tail = rows[100_000:].replace(b"Contoso Production", "Contoso Zürich".encode("cp1252"))
    data = rows[:100_000] + tail
    data[:65536].decode("utf-8")  # the head is fine: only a full read finds the bad bytes
    result = parse_export(data)
    assert result.encoding == "cp1252" and result.rows_accepted == 600
    assert any(r.subscription_name == "Contoso Zürich" for r in result.records)
    assert [w.code for w in result.warnings] == ["EncodingFallback"]


def test_cp1252_fallback_with_a_warning():
    data = "Recommendation,Subscription Name\nFix it,Zürich-Prod\n".encode("cp1252")
    result = parse_export(data)
    assert result.encoding == "cp1252"
    assert result.records[0].subscription_name == "Zürich-Prod"
    assert [w.code for w in result.warnings] == ["EncodingFallback"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_detection(delimiter):
    result = parse_export(to_csv(build_rows(8, seed=5), delimiter=delimiter))
    assert result.rows_accepted == 8
    assert result.records[0].subscription_id.startswith("3f2a1b4c")


def test_sep_line_names_the_delimiter_and_shifts_line_numbers():
    data = to_csv(build_rows(3, seed=2), delimiter=";", sep_line=True)
    result = parse_export(data)
    assert result.delimiter == "semicolon"
    assert [r.line for r in result.records] == [3, 4, 5]


def test_quoted_delimiters_quotes_and_newlines_keep_line_numbers(monkeypatch):
    data = csv_text(
        row17(text='Use "zones", really'),
        row17(text="Line one\r\nline two\r\nline three", resource="vm2"),
        row17(text="After the multi-line row", resource="vm3"),
    )
    for exact in (False, True):
        if exact:
            monkeypatch.setattr(parse_module, "_read_fast", lambda *a, **k: None)
        result = parse_export(data)
        assert [r.line for r in result.records] == [2, 3, 6]
        assert result.records[0].recommendation == 'Use "zones", really'
        assert result.records[1].recommendation == "Line one\r\nline two\r\nline three"


def test_lf_and_crlf_read_alike():
    crlf = to_csv(build_rows(10, seed=8))
    lf = to_csv(build_rows(10, seed=8), line_terminator="\n")
    assert parse_export(crlf).records == parse_export(lf).records


def test_fast_and_exact_readers_agree(monkeypatch):
    data = to_csv(build_rows(400, seed=21))
    fast = parse_export(data)
    monkeypatch.setattr(parse_module, "_read_fast", lambda *a, **k: None)
    assert parse_export(data).records == fast.records


def test_rows_of_only_delimiters_are_blank(monkeypatch):
    data = csv_text(row17(), ",,,,,,,,,,,,,,,,", row17(resource="vm3"))
    fast = parse_export(data)
    monkeypatch.setattr(parse_module, "_read_fast", lambda *a, **k: None)
    exact = parse_export(data)
    for result in (fast, exact):
        assert [r.line for r in result.records] == [2, 4]
        assert result.rows_total == 2 and not result.errors


def test_blank_lines_are_skipped_and_counted_in_line_numbers():
    data = csv_text(row17(), "", row17(resource="vm2"), ",,,,,,,,,,,,,,,,", row17(resource="vm3"))
    result = parse_export(data)
    assert [r.line for r in result.records] == [2, 4, 6]
    assert result.rows_total == 3


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("data,code", [
    (b"", "EmptyFile"),
    (b"   \r\n\n", "EmptyFile"),
    (H17.encode() + b"\r\n", "NoDataRows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "NotText"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "NotText"),
    (b"name,age\nana,3\n", "NotAdvisorExport"),
    (b"sep=,\n", "NoDataRows"),
])
def test_file_level_refusals(data, code):
    with pytest.raises(ExportRefused) as refused:
        parse_export(data)
    assert refused.value.code == code
    assert refused.value.message


def test_not_an_advisor_export_names_the_header_line_and_what_it_found():
    with pytest.raises(ExportRefused) as refused:
        parse_export(b"\n\nname,age\nana,3\n")
    assert refused.value.line == 3
    assert "name, age" in refused.value.message


def test_size_and_row_limits():
    data = to_csv(build_rows(30, seed=1))
    with pytest.raises(ExportRefused) as too_big:
        parse_export(data, Limits(max_bytes=len(data) - 1))
    assert too_big.value.code == "FileTooLarge"
    with pytest.raises(ExportRefused) as too_many:
        parse_export(data, Limits(max_rows=29))
    assert too_many.value.code == "TooManyRows"
    assert parse_export(data, Limits(max_bytes=len(data), max_rows=30)).rows_accepted == 30


def test_more_than_half_rejected_refuses_the_file_with_the_first_problems():
    data = csv_text(row17(), row17(text=""), row17(savings="lots"), row17(resource="x,y") + ",z")
    with pytest.raises(ExportRefused) as refused:
        parse_export(data)
    assert refused.value.code == "TooManyRejectedRows"
    assert refused.value.line == 3
    assert [d["line"] for d in refused.value.details] == [3, 4, 5]


def test_read_header_refuses_fast_without_reading_rows():
    columns, encoding, delimiter = read_header(to_csv(build_rows(2000, seed=1)))
    assert "recommendation" in columns.fields and delimiter == "comma"
    assert encoding == "utf-8-sig"
    with pytest.raises(ExportRefused) as refused:
        read_header(b"a,b,c\n1,2,3\n")
    assert refused.value.code == "NotAdvisorExport"


# -- row-level validation and warnings ------------------------------------------------------


def test_rejected_rows_are_reported_with_line_and_reason_and_the_rest_kept():
    data = csv_text(
        row17(resource="vm1"),
        row17(text="", resource="vm2"),
        row17(savings="twelve", resource="vm3"),
        row17(resource="vm4") + ",unexpected,extra",
        row17(resource="vm5"), row17(resource="vm6"), row17(resource="vm7"),
    )
    result = parse_export(data)
    assert [r.resource_name for r in result.records] == ["vm1", "vm5", "vm6", "vm7"]
    assert [(e.line, e.code) for e in result.errors] == [
        (3, "MissingRecommendation"), (4, "InvalidSavings"), (5, "WrongFieldCount")]
    assert result.errors[1].column == "Potential Annual Cost Savings"
    assert "expected 17 fields, found 19" in result.errors[2].message
    assert result.rows_total == 7 and result.rows_rejected == 3


def test_extra_fields_in_the_first_data_row_are_reported_not_misread():
    data = csv_text(row17(resource="vm1") + ",x,y", row17(resource="vm2"), row17(resource="vm3"))
    result = parse_export(data)
    assert [r.resource_name for r in result.records] == ["vm2", "vm3"]
    assert [(e.line, e.code) for e in result.errors] == [(2, "WrongFieldCount")]


def test_trailing_empty_fields_are_tolerated():
    data = csv_text(row17() + ",,", ",".join(row17(resource="vm2").split(",")[:12]))
    result = parse_export(data)
    assert result.rows_accepted == 2 and not result.errors


def test_unknown_category_and_impact_are_kept_as_given_with_warnings():
    data = csv_text(row17(category="Sustainability", impact="Critical"), row17(resource="b"))
    result = parse_export(data)
    assert result.records[0].category == "Sustainability"
    assert result.records[0].impact == "Critical"
    codes = {w.code: w for w in result.warnings}
    assert codes["UnknownCategory"].lines == [2] and codes["UnknownImpact"].count == 1


def test_duplicates_are_stored_once_and_counted():
    data = csv_text(row17(), row17(resource="b"), row17(), row17())
    result = parse_export(data)
    assert result.rows_accepted == 2 and result.duplicates == 2
    dup = next(w for w in result.warnings if w.code == "DuplicateRows")
    assert dup.count == 2 and dup.lines == [4, 5]


def test_mixed_currencies_warn_and_stay_separate():
    data = csv_text(row17(savings="100", currency="USD"),
                    row17(savings="200", currency="EUR", resource="b"))
    result = parse_export(data)
    assert {(r.currency, r.annual_savings) for r in result.records} == {
        ("USD", Decimal("100")), ("EUR", Decimal("200"))}
    assert any(w.code == "MixedCurrencies" for w in result.warnings)


# -- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize("given,expected", [
    ("Cost", "Cost"), ("cost", "Cost"), ("Security", "Security"),
    ("Reliability", "Reliability"), ("HighAvailability", "Reliability"),
    ("High Availability", "Reliability"), ("Operational Excellence", "OperationalExcellence"),
    ("Operational excellence", "OperationalExcellence"),
    ("OperationalExcellence", "OperationalExcellence"), ("Performance", "Performance"),
])
def test_category_names(given, expected):
    assert parse_export(csv_text(row17(category=given))).records[0].category == expected


@pytest.mark.parametrize("given,expected", [("High", "High"), ("medium", "Medium"),
                                            ("LOW", "Low"), (" High ", "High")])
def test_impacts(given, expected):
    assert parse_export(csv_text(row17(impact=given))).records[0].impact == expected


@pytest.mark.parametrize("savings,benefits,amount,currency", [
    ("5,332", "", "5332", ""),
    ("$2,400.00", "", "2400.00", "USD"),
    ("2400.50", "", "2400.50", ""),
    ("", "5,332 USD savings", "5332", "USD"),
    ("", "Save 1,200.50 EUR savings per year", "1200.50", "EUR"),
    ("", "Reduce the attack surface", None, ""),
])
def test_savings_formats(savings, benefits, amount, currency):
    rec = parse_export(csv_text(row17(savings=savings, benefits=benefits))).records[0]
    assert rec.annual_savings == (Decimal(amount) if amount else None)
    assert rec.currency == currency


@pytest.mark.parametrize("value,expected", [("1.234,56", "1234.56"), ("2400,50", "2400.50"),
                                            ("5,332", "5332"), ("12", "12")])
def test_decimal_comma_in_semicolon_files(value, expected):
    data = f"Recommendation;Potential Annual Cost Savings;Currency\nBuy RIs;{value};EUR\n"
    rec = parse_export(data.encode()).records[0]
    assert rec.annual_savings == Decimal(expected)


@pytest.mark.parametrize("given,expected", [
    ("2024-05-14T10:21:33.1234567Z", "2024-05-14T10:21:33Z"),
    ("2024-05-14T10:21:33Z", "2024-05-14T10:21:33Z"),
    ("2024-05-14 10:21:33", "2024-05-14T10:21:33Z"),
    ("5/14/2024 10:21:33 AM", "2024-05-14T10:21:33Z"),
    ("2024-05-14T12:21:33+02:00", "2024-05-14T10:21:33Z"),
])
def test_updated_dates_become_iso_8601(given, expected):
    assert parse_export(csv_text(row17(updated=given))).records[0].updated == expected


def test_unreadable_date_is_kept_with_a_warning():
    result = parse_export(csv_text(row17(updated="yesterday-ish")))
    assert result.records[0].updated == "yesterday-ish"
    assert result.warnings[0].code == "InvalidDate"


def test_resource_id_is_built_when_the_row_says_enough():
    result = parse_export(csv_text(
        row17(sub="s1", group="rg", resource="vm1", kind="Microsoft.Compute/virtualMachines"),
        row17(sub="s1", group="No resource group", resource="s1", kind="Subscription"),
        row17(sub="s1", group="rg", resource="thing", kind="Virtual machine"),
    ))
    assert [r.resource_id for r in result.records] == [
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
        "/subscriptions/s1", ""]


def test_summary_has_what_users_need():
    summary = parse_export(csv_text(row17(), row17(text=""), row17(resource="b"))).summary()
    assert summary["rowsTotal"] == 3 and summary["rowsAccepted"] == 2
    assert summary["errors"] == [{"line": 3, "code": "MissingRecommendation", "column":
                                  "Recommendation", "message":
                                  "Line 3: the Recommendation column is empty."}]
    assert summary["columns"]["recognised"]["Business Impact"] == "impact"


# -- rows whose quotes or cells are broken --------------------------------------------------------


def test_an_unclosed_quote_is_one_row_error_not_the_rest_of_the_file_in_one_cell():
    rows = [row17(resource=f"vm{i}") for i in range(1, 9)]
    broken = row17(resource="vm-open").replace("vm-open", '"vm-open', 1)
    data = csv_text(*rows[:3], broken, *rows[3:])
    result = parse_export(data)
    assert [(e.line, e.code) for e in result.errors] == [(5, "BrokenQuotes")]
    assert "never closed" in result.errors[0].message
    assert [r.resource_name for r in result.records] == [f"vm{i}" for i in range(1, 9)]
    assert result.rows_total == 9


def test_a_stray_quote_that_shifts_cells_right_is_a_row_error():
    """`"a"b,c"` ends the quoted value early: without a strict reader the row gains a cell and
    the savings land under the currency."""
    rows = [row17(resource=f"vm{i}", savings="770", currency="USD") for i in range(1, 6)]
    cells = row17(resource="vmX", savings="770", currency="USD").split(",")
    cells[2] = '"Right-size "VM"s, now"'
    data = csv_text(*rows[:2], ",".join(cells), *rows[2:])
    result = parse_export(data)
    assert [(e.line, e.code) for e in result.errors] == [(4, "BrokenQuotes")]
    assert all(r.currency == "USD" and r.annual_savings == Decimal(770) for r in result.records)
    assert result.rows_accepted == 5


@pytest.mark.parametrize("currency", ["770", "US", "DOLLARS", "€"])
def test_a_currency_that_is_not_a_three_letter_code_is_a_row_error(currency):
    data = csv_text(row17(resource="vm1", savings="10", currency="USD"),
                    row17(resource="vm2", savings="10", currency=currency),
                    row17(resource="vm3", savings="10", currency="eur"))
    result = parse_export(data)
    assert [(e.line, e.code, e.column) for e in result.errors] == [
        (3, "InvalidCurrency", "Potential Cost Savings Currency")]
    assert [r.currency for r in result.records] == ["USD", "EUR"]


def test_a_header_of_thousands_of_columns_is_refused_with_its_line():
    header = "Recommendation," + ",".join(f"c{i}" for i in range(200_000))
    with pytest.raises(ExportRefused) as refused:
        read_header(csv_text("x", header=header))
    assert refused.value.code == "TooManyColumns" and refused.value.line == 1


def test_duplicate_lines_are_compared_whole_when_hashes_collide(monkeypatch):
    # The fast reader finds duplicate rows by the hashes of their lines; equal hashes of
    # different lines must not make a row a duplicate.
    rows = build_rows(50, seed=5)
    data = to_csv(rows + rows[:3])
    expected = parse_export(data)
    monkeypatch.setattr(rows_module, "hash", lambda line: 0, raising=False)
    colliding = parse_export(data)
    assert colliding.duplicates == expected.duplicates == 3
    assert colliding.records == expected.records and len(colliding.records) == 50
