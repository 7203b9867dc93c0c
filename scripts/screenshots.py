"""Render every report type from the sample export and write PNGs to docs/screenshots/.

The reports compare the sample with samples/advisor-export-sample-previous.csv (the same
client a month earlier, "October 2026"), so each key figure shows its change, the "Changes
since" sections show and the trend charts have two reviews. Every page of the executive
summary is kept (at most four), the first three of the others.

PDF pages go through pdftoppm (poppler-utils), HTML through headless Chromium; `make
screenshots` installs both from Debian packages when they are missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.advisor.changes import compare  # noqa: E402
from shared.advisor.parse import parse_export  # noqa: E402
from shared.advisor.stats import compute_statistics, export_date  # noqa: E402
from shared.rendering.document import Branding, Image  # noqa: E402
from shared.rendering.render import render_report  # noqa: E402
from shared.rendering.report_types import REPORT_TYPES, baseline_headlines  # noqa: E402
from shared.rendering.report_types.base import ReportInput  # noqa: E402
from shared.services.logos import check_logo  # noqa: E402
from shared.storage.trend import trend_point  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SAMPLE = ROOT / "samples" / "advisor-export-sample.csv"
PREVIOUS = ROOT / "samples" / "advisor-export-sample-previous.csv"
PDF_PAGES = 3
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


NOTES = """We reviewed this export with Contoso's platform team on 20 November.

- **Reservations first**: the three VM families below run around the clock; a one-year
  reservation pays back in under five months.
- Security: enable Defender for Servers on the production subscription before year end.
- Two storage accounts are due to lose classic TLS support; the owners are informed.

Next review: **January 2027**, after the reservation purchase."""


def sample_branding() -> Branding:
    """The samples' client and partner logos, a purple accent and a contact line."""
    def logo(path: Path, alt: str) -> Image:
        checked = check_logo(path.read_bytes(), path.name)
        return Image(checked.data, checked.content_type, checked.width, checked.height, alt)
    return Branding(accent="#6b2fa0",
                    client_logo=logo(ROOT / "samples" / "logo-contoso.png", "Contoso logo"),
                    partner_name="Northwind Cloud Advisory",
                    partner_contact="Jane Doe, Principal Consultant · jane.doe@northwind.example"
                                    " · +44 20 7946 0000",
                    partner_logo=logo(ROOT / "samples" / "logo-partner.jpg", "Northwind logo"))


def _row(report_id: str, records: list, created: str) -> dict:
    """A report row as the summary leaves it, for the trend: its totals and export date."""
    stats = compute_statistics(records)
    return {"reportId": report_id, "title": "", "createdAt": f"{created}T09:00:00Z",
            "exportDate": stats["exportDate"],
            "totals": {**stats["totals"], "byCategory": {c["category"]: c["count"]
                                                         for c in stats["byCategory"]}}}


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (shutil.which("pdftoppm") and chromium):
        sys.exit("pdftoppm and chromium are needed: run `make screenshots`, which installs them.")
    records = parse_export(SAMPLE.read_bytes()).records
    previous = parse_export(PREVIOUS.read_bytes()).records
    then = export_date(previous, "2026-10-21")
    changes = {"baseline": {"reportId": "20261021-previous", "title": PREVIOUS.name,
                            "fileName": PREVIOUS.name, "createdAt": "2026-10-21T09:00:00Z",
                            "exportDate": then, "headlines": baseline_headlines(previous, then)},
               **compare(records, previous)}
    trend = [trend_point(_row(report_id, rows, created))
             for report_id, rows, created in (("20261021-previous", previous, "2026-10-21"),
                                               ("20261121-current", records, "2026-11-21"))]
    data = ReportInput(records, "Contoso Ltd", "November 2026 Advisor review",
                       SAMPLE.name, "2026-11-21T09:00:00Z", changes=changes,
                       branding=sample_branding(), notes=NOTES, trend=trend, appendix="top")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for key in REPORT_TYPES:
            pdf = tmp_dir / f"{key}.pdf"
            pdf.write_bytes(render_report(key, "pdf", data))
            last = 4 if REPORT_TYPES[key].compact else PDF_PAGES
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(last),
                            str(pdf), str(OUT / f"{key}-pdf")], check=True)
            html = tmp_dir / f"{key}.html"
            html.write_bytes(render_report(key, "html", data))
            subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_dir / 'chrome'}",
                            "--window-size=1100,1500", f"--screenshot={OUT / f'{key}-html.png'}",
                            html.as_uri()], check=True, capture_output=True, timeout=120)
            print(f"{key}: PDF pages and HTML written")
    print(f"Screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
