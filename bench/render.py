"""Seconds per report type and format for 5,000 and 50,000 recommendations.

Ceiling, measured in the same run: writing the same number of rows as plain CSV with the csv
module (the least work any report of every row must do). Targets on this machine: executive
PDF for 50,000 <= 2 s (with the changes against a 50,000-row baseline); detailed PDF for
5,000 <= 4 s; any HTML for 50,000 <= 3 s; the changes of 50,000 against 50,000 rows <= 1 s;
the workbook of 50,000 rows <= 3 s and <= 300 MB (the peak of a process that holds the rows and
renders it, measured in a child process), printed also as a ratio to the fastest writer's floor
(rustpy-xlsxwriter, a Rust writer, writing the same cells bare), the executive deck of 50,000
rows <= 1 s. The rows are handed over as the pipeline hands them, a RowTable built once.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import resource
import time

import xlsxwriter
from common import timed

from shared.advisor.changes import compare
from shared.advisor.parse import parse_export
from shared.advisor.row_table import RowTable
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES
from shared.rendering.report_types.base import ReportInput
from tests.support.exports import build_rows, to_csv

TARGETS = {("executive", "pdf", 50_000): 2.0, ("detailed", "pdf", 5_000): 4.0,
           ("detailed", "xlsx", 50_000): 3.0, ("executive", "pptx", 50_000): 1.0}
XLSX_MEMORY_MB = 300
FORMATS = ("html", "pdf", "xlsx")
HTML_TARGET = 3.0
CHANGES_TARGET = 1.0


def baseline_of(records: list) -> list:
    """Last month's export: a tenth of today's findings absent, a seventh on other resources."""
    return [r._replace(resource_name=r.resource_name + "-old") if i % 7 == 0 else r
            for i, r in enumerate(records) if i % 10 != 3]


def main() -> None:
    records = parse_export(to_csv(build_rows(50_000, seed=1))).records
    baseline = baseline_of(records)
    seconds = timed(lambda: compare(records, baseline), repeat=3)
    changes = {"baseline": {"reportId": "b", "title": "October", "createdAt": "2026-10-21"},
               **compare(records, baseline)}
    ceiling = timed(lambda: {(r.recommendation, r.resource_name) for r in records}, repeat=3)
    print(f"changes of 50,000 vs {len(baseline):,} rows: {seconds:.2f} s = "
          f"{seconds / ceiling:.0f} x a set of the same rows' two fields  "
          f"<= {CHANGES_TARGET:.0f} s {'met' if seconds <= CHANGES_TARGET else 'NOT met'}")
    print(f"{'type':<11}{'format':<7}{'rows':>7}{'seconds':>10}{'x ceiling':>11}  target")
    for rows in (5_000, 50_000):
        subset = records[:rows]
        data = ReportInput(RowTable.build(subset), "Contoso", "Benchmark", "bench.csv",
                           "2026-11-21", changes=changes if rows == 50_000 else None)

        def plain_csv(subset=subset) -> None:
            writer = csv.writer(io.StringIO())
            for r in subset:
                writer.writerow((r.impact, r.recommendation, r.resource_name, r.resource_group,
                                 r.subscription_name, r.potential_benefits))

        ceiling = timed(plain_csv)
        for key in REPORT_TYPES:
            for fmt in (*FORMATS, *(("pptx",) if key == "executive" else ())):
                if key == "detailed" and fmt == "pdf" and rows == 50_000:
                    started = time.perf_counter()  # one run: it takes a while
                    render_report(key, fmt, data)
                    seconds = time.perf_counter() - started
                else:
                    seconds = timed(lambda k=key, f=fmt, d=data: render_report(k, f, d), repeat=3)
                target = TARGETS.get((key, fmt, rows)) or (HTML_TARGET if fmt == "html"
                                                           and rows == 50_000 else None)
                verdict = "" if target is None else (
                    f"<= {target:.0f} s {'met' if seconds <= target else 'NOT met'}")
                print(f"{key:<11}{fmt:<7}{rows:>7,}{seconds:>10.2f}{seconds / ceiling:>11.0f}"
                      f"  {verdict}")


def xlsxwriter_floor(records: list) -> float:
    """XlsxWriter's own floor: the Recommendations sheet's cells written bare (no formats,
    links, other sheets or statistics), constant memory, same run."""
    def write() -> None:
        book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
        sheet = book.add_worksheet()
        for row, r in enumerate(records, start=1):
            sheet.write_number(row, 0, r.line)
            for col, value in enumerate((r.category, r.impact, r.recommendation, r.resource_name,
                                         r.resource_type, r.resource_group, r.subscription_name,
                                         r.subscription_id, r.potential_benefits,
                                         r.retirement_date, r.retiring_feature, r.updated,
                                         r.resource_id), start=1):
                if value:
                    sheet.write_string(row, col, value)
            if r.annual_savings is not None:
                sheet.write_number(row, 14, float(r.annual_savings))
        book.close()
    return timed(write)


def _bare_cells(r) -> tuple:
    return (r.line, r.category, r.impact, r.recommendation, r.resource_name, r.resource_type,
            r.resource_group, r.subscription_name, r.subscription_id, r.potential_benefits,
            r.retirement_date, r.retiring_feature, r.updated, r.resource_id,
            float(r.annual_savings) if r.annual_savings is not None else None)


def other_floors(records: list) -> dict[str, float]:
    """The floors of the other writers the registry serves (issue 33), the same cells bare:
    rustpy-xlsxwriter (a dev requirement: the fastest, the floor the workbook is held to) and
    pyexcelerate when it is installed (`pip install pyexcelerate` to compare)."""
    from rustpy_xlsxwriter import FastExcel

    names = [f"c{n}" for n in range(15)]
    floors = {"rustpy-xlsxwriter": timed(lambda: FastExcel(io.BytesIO()).sheet(
        "Recommendations", (dict(zip(names, _bare_cells(r), strict=True))
                            for r in records)).save())}
    try:
        from pyexcelerate import Workbook

        def pyexcelerate() -> None:
            book = Workbook()
            book.new_sheet("Recommendations", data=[_bare_cells(r) for r in records])
            book.save(io.BytesIO())
        floors["pyexcelerate"] = timed(pyexcelerate)
    except ImportError:
        pass
    return floors


def workbook_against_floor(records: list) -> None:
    data = ReportInput(RowTable.build(records), "Contoso", "Benchmark", "bench.csv",
                       "2026-11-21")
    floor = xlsxwriter_floor(records)
    floors = other_floors(records)
    seconds = timed(lambda: render_report("detailed", "xlsx", data))
    target = TARGETS[("detailed", "xlsx", 50_000)]
    fastest = floors["rustpy-xlsxwriter"]
    print(f"detailed workbook of {len(records):,} rows: {seconds:.2f} s "
          f"(<= {target:.0f} s {'met' if seconds <= target else 'NOT met'}) = "
          f"{seconds / fastest:.2f} x the fastest writer's floor (rustpy-xlsxwriter writing "
          f"the same cells bare, {fastest:.2f} s) = {seconds / floor:.2f} x XlsxWriter's "
          f"({floor:.2f} s)")
    for name, other in floors.items():
        if name != "rustpy-xlsxwriter":
            print(f"  {name} writing the same cells bare: {other:.2f} s")


def _workbook_peak(rows: int, out) -> None:
    """In a fresh process: parse, then render the detailed workbook; the peak RSS in MB."""
    records = parse_export(to_csv(build_rows(rows, seed=1))).records
    data = ReportInput(RowTable.build(records), "Contoso", "Benchmark", "bench.csv",
                       "2026-11-21")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    render_report("detailed", "xlsx", data)
    out.send((before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def workbook_memory(rows: int = 50_000) -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("spawn").Process(target=_workbook_peak,
                                                         args=(rows, send))
    child.start()
    before, peak = receive.recv()
    child.join()
    print(f"workbook of {rows:,} rows: peak RSS {peak:.0f} MB (parsing the export peaked at "
          f"{before:.0f} MB, the workbook adds {peak - before:.0f} MB)  <= {XLSX_MEMORY_MB} MB "
          f"{'met' if peak <= XLSX_MEMORY_MB else 'NOT met'}")


if __name__ == "__main__":
    workbook_against_floor(parse_export(to_csv(build_rows(50_000, seed=1))).records)
    workbook_memory()
    main()
