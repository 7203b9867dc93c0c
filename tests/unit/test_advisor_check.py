"""`python -m shared.advisor.check`: what users run before uploading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shared.advisor.check import main
from tests.support.exports import build_rows, to_csv

ROOT = Path(__file__).resolve().parents[2]


def test_accepted_file_prints_summary_and_exits_zero(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(to_csv(build_rows(40, seed=9)))
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Accepted: 40 of 40 rows" in out and "Columns recognised (17)" in out
    assert "Potential annual savings:" in out and "USD" in out


def test_refused_file_exits_non_zero_with_the_reason(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("name,age\nana,3\n")
    assert main([str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] is False and report["refusal"]["code"] == "NotAdvisorExport"


def test_rejected_rows_are_listed(tmp_path, capsys):
    text = to_csv(build_rows(10, seed=9)).decode("utf-8-sig").splitlines()
    text.insert(3, text[2] + ",extra,fields")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(text) + "\n")
    assert main([str(path)]) == 0
    assert "rejected line 4: Line 4: expected 17 fields, found 19" in capsys.readouterr().out


def test_runs_as_a_module(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(to_csv(build_rows(5, seed=2)))
    done = subprocess.run([sys.executable, "-m", "shared.advisor.check", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rowsAccepted"] == 5
    missing = subprocess.run([sys.executable, "-m", "shared.advisor.check", "nope.csv"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no such file" in missing.stderr
