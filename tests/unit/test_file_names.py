"""Download names: the client, the report type and the review, safe on every file system and
never the same for two reports of one client (issue 32, item 4)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.rendering.file_names import download_name, reviews_of, safe_part


def report(report_id: str, created: str, title: str = "export.csv",
           export: str = "2026-11-18T10:00:00Z", **fields) -> dict:
    return {"reportId": report_id, "clientId": "contoso", "title": title,
            "fileName": "export.csv", "exportDate": export, "createdAt": created,
            "status": "completed", **fields}


NOVEMBER = report("r1", "2026-11-20T09:00:00Z")
DECEMBER = report("r2", "2026-12-20T09:00:00Z", "December 2026 review",
                  export="2026-12-18T10:00:00Z")


def test_the_title_names_the_review_else_the_exports_month():
    assert download_name(DECEMBER, "Contoso Ltd", "executive", "pdf", [NOVEMBER, DECEMBER]) \
        == "Contoso Ltd - Executive summary - December 2026 review.pdf"
    # The title is only the file's name: the month of the export.
    assert download_name(NOVEMBER, "Contoso Ltd", "cost", "xlsx", [NOVEMBER, DECEMBER]) \
        == "Contoso Ltd - Cost optimisation - November 2026.xlsx"


def test_two_months_named_alike_by_their_exports_get_different_names():
    # Both exports' newest "Updated Date" is in December 2025, neither has a title of its own:
    # the second one gets a suffix, the first keeps its name.
    first = report("a", "2026-11-20T09:00:00Z", "month1.csv", "2025-12-24T00:00:00Z",
                   fileName="month1.csv")
    second = report("b", "2026-12-20T09:00:00Z", "month2.csv", "2025-12-24T00:00:00Z",
                    fileName="month2.csv")
    names = {r["reportId"]: download_name(r, "Contoso Ltd", "executive", "pdf",
                                          [first, second]) for r in (first, second)}
    assert names == {"a": "Contoso Ltd - Executive summary - December 2025.pdf",
                     "b": "Contoso Ltd - Executive summary - December 2025 (2).pdf"}


def test_names_differ_without_regard_to_case_and_a_new_report_renames_no_older_one():
    older = [report(f"r{i}", f"2026-11-2{i}T09:00:00Z", title) for i, title in
             enumerate(("Q4 review", "q4 REVIEW", "Q4 review (2)", "Q4 review"))]
    assert list(reviews_of(older).values()) == ["Q4 review", "q4 REVIEW (2)",
                                                "Q4 review (2) (2)", "Q4 review (3)"]
    newer = [*older, report("r9", "2026-12-01T09:00:00Z", "Q4 review")]
    assert reviews_of(newer) == {**reviews_of(older), "r9": "Q4 review (4)"}


def test_failed_and_deleted_reports_take_no_name():
    failed = report("f", "2026-11-19T09:00:00Z", status="failed")
    deleted = report("d", "2026-11-19T10:00:00Z", deletedAt="2026-11-21T00:00:00Z")
    assert download_name(NOVEMBER, "C", "executive", "pdf", [failed, deleted, NOVEMBER]) \
        == "C - Executive summary - November 2026.pdf"
    # A report's own file always has a name, whatever its row says.
    assert download_name(failed, "C", "executive", "pdf", [failed]) \
        == "C - Executive summary - November 2026.pdf"


def test_created_in_the_same_second_ordered_by_nanoseconds():
    a = report("zz", "2026-11-20T09:00:00Z", "Nov", createdNs="2")
    b = report("aa", "2026-11-20T09:00:00Z", "Nov", createdNs="1")
    assert reviews_of([a, b]) == {"aa": "Nov", "zz": "Nov (2)"}


def test_names_are_safe_on_every_file_system():
    hostile = report("h", "2026-11-20T09:00:00Z", 'Q4/../..\\re:view?\x00\x1b[31m\u202efdp.exe.')
    name = download_name(hostile, 'Con<toso>\n"Ltd".', "executive", "pdf", [hostile])
    # Path separators, characters Windows refuses, NUL, ESC and the right-to-left override
    # become spaces; the name ends in its own extension.
    assert name == "Con toso Ltd . - Executive summary - Q4 .. .. re view [31m fdp.exe.pdf"
    assert download_name(report("x", "2026-11-20T09:00:00Z", "Nov"), "Fabrikam Ltd.",
                         "cost", "pdf") == "Fabrikam Ltd. - Cost optimisation - Nov.pdf"


@given(st.text(max_size=300), st.text(max_size=300))
def test_any_client_and_title_give_a_bounded_name_without_separators_or_controls(client, title):
    name = download_name(report("r", "2026-11-20T09:00:00Z", title), client, "detailed",
                         "xlsx")
    assert name.endswith(".xlsx") and len(name) <= 60 + 80 + 40
    assert not set(name) & set('/\\<>:"|?*') and name == name.strip(" .")
    assert all(ch.isprintable() and ch not in "\u2028\u2029" for ch in name)
    assert safe_part(safe_part(title)) == safe_part(title)
