"""What loading the app costs: the heavy libraries load when a step first needs them, not
when the app (and so every cold start on Azure) is imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "reportlab", "pptx", "xlsxwriter")
SCRIPT = """
import sys
import function_app
print("imported:", *(m for m in sys.argv[1:] if m in sys.modules))
from shared.advisor.parse import parse_export
from shared.rendering.render import render_report
from shared.rendering.report_types.base import ReportInput
from tests.support.exports import sample_export
data = ReportInput(parse_export(sample_export(20)).records, "C", "T", "f.csv", "2026-11-24")
for fmt in ("pdf", "xlsx", "pptx"):
    render_report("executive", fmt, data)
print("used:", *(m for m in sys.argv[1:] if m in sys.modules))
"""


def test_the_app_loads_without_the_parsing_and_rendering_libraries():
    done = subprocess.run([sys.executable, "-c", SCRIPT, *HEAVY], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    at_import, after_use = done.stdout.splitlines()
    assert at_import == "imported:"
    assert after_use == "used: " + " ".join(HEAVY)  # each loads when it is used
