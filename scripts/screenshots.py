"""Render every report type from the sample export and write PNGs to docs/screenshots/.

The reports compare the sample with samples/advisor-export-sample-previous.csv (the same
client a month earlier), so the "Changes since" sections show.

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
from shared.rendering.document import Branding, Image  # noqa: E402
from shared.rendering.render import render_report  # noqa: E402
from shared.rendering.report_types import REPORT_TYPES  # noqa: E402
from shared.rendering.report_types.base import ReportInput  # noqa: E402
from shared.services.logos import check_logo  # noqa: E402

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


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (shutil.which("pdftoppm") and chromium):
        sys.exit("pdftoppm and chromium are needed: run `make screenshots`, which installs them.")
    records = parse_export(SAMPLE.read_bytes()).records
    previous = parse_export(PREVIOUS.read_bytes()).records
    changes = {"baseline": {"reportId": "20261021-previous", "title": "October 2026 review",
                            "createdAt": "2026-10-21T09:00:00Z"}, **compare(records, previous)}
    data = ReportInput(records, "Contoso Ltd", "November 2026 Advisor review",
                       SAMPLE.name, "2026-11-21T09:00:00Z", changes=changes,
                       branding=sample_branding(), notes=NOTES)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        for key in REPORT_TYPES:
            pdf = tmp_dir / f"{key}.pdf"
            pdf.write_bytes(render_report(key, "pdf", data))
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(PDF_PAGES),
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
