"""The advisor-reports command against the devhost over real HTTP."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from advisor_cli.__main__ import main
from advisor_cli.progress import Display, describe
from tests.support.exports import build_rows, to_csv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def server(app):
    return app


def cli(server, *args: str) -> list[str]:
    return ["--url", server.base_url, "--key", server.function_key, *args]


def test_upload_wait_download_gives_the_apis_files(server, tmp_path, capsys):
    export = tmp_path / "november.csv"
    export.write_bytes(to_csv(build_rows(80, seed=61)))
    out = tmp_path / "out"
    code = main(cli(server, "upload", str(export), "--client", "contoso", "--title", "Nov",
                    "--types", "executive,cost", "--formats", "pdf,html", "--out", str(out)))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "completed" in captured.out
    report_id = captured.out.split("as report ")[1].split()[0]
    files = sorted(p.name for p in out.iterdir())
    # Named for the client, the type and the review (its title).
    assert files == [f"contoso - {label} - Nov.{fmt}" for label in ("Cost optimisation",
                                                                   "Executive summary")
                     for fmt in ("html", "pdf")]
    for path in out.iterdir():
        kind = "cost" if path.name.startswith("contoso - Cost") else "executive"
        api = server.request("GET", f"api/reports/{report_id}/artifacts/{kind}{path.suffix}")
        assert path.read_bytes() == api.content
    assert "100%" in captured.err  # progress went to standard error, as lines (not a tty)

    assert main(cli(server, "status", report_id)) == 0
    assert f"{report_id}  completed  Nov" in capsys.readouterr().out
    assert main(cli(server, "list", "--client", "contoso")) == 0
    assert report_id in capsys.readouterr().out
    again = tmp_path / "again"
    assert main(cli(server, "download", report_id, "--out", str(again),
                    "--formats", "pdf")) == 0
    assert sorted(p.name for p in again.iterdir()) == [
        "contoso - Cost optimisation - Nov.pdf", "contoso - Executive summary - Nov.pdf"]


def test_months_never_share_a_name_and_no_file_is_replaced_without_force(server, tmp_path,
                                                                         capsys):
    client = "months-" + uuid.uuid4().hex[:6]
    november = build_rows(30, seed=64)
    december = [{**r, "Updated Date": r["Updated Date"].replace("2026-11", "2026-12")}
                for r in november]
    out = tmp_path / "client"
    ids = []
    # No titles: each report is named by its export's month; December's export uploaded twice.
    for file_name, rows in (("month1.csv", november), ("month2.csv", december),
                            ("month2-fixed.csv", december)):
        export = tmp_path / file_name
        export.write_bytes(to_csv(rows))
        code = main(cli(server, "upload", str(export), "--client", client, "--types",
                        "executive", "--formats", "pdf", "--out", str(out)))
        captured = capsys.readouterr()
        assert code == 0, captured.err
        ids.append(captured.out.split("as report ")[1].split()[0])
    stem = f"{client} - Executive summary - "
    assert sorted(p.name for p in out.iterdir()) == [
        f"{stem}December 2026 (2).pdf", f"{stem}December 2026.pdf", f"{stem}November 2026.pdf"]

    # November's files again into the same folder: refused, named, nothing written.
    mine = out / f"{stem}November 2026.pdf"
    mine.write_bytes(b"my annotated copy")
    assert main(cli(server, "download", ids[0], "--out", str(out))) == 1
    err = capsys.readouterr().err
    assert f'"{stem}November 2026.pdf"' in err and "Nothing was downloaded" in err
    assert "--force" in err and mine.read_bytes() == b"my annotated copy"
    assert len(list(out.iterdir())) == 3  # no other file, no half file
    # With --force it is replaced by the API's file.
    assert main(cli(server, "download", ids[0], "--out", str(out), "--force")) == 0
    api = server.request("GET", f"api/reports/{ids[0]}/artifacts/executive.pdf")
    assert mine.read_bytes() == api.content
    help_text = subprocess.run([sys.executable, "-m", "advisor_cli", "download", "--help"],
                               cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "--force" in help_text and "refuses" in help_text


def test_recommendations_as_csv_neutralise_formulas(server, tmp_path, capsys):
    rows = build_rows(20, seed=62, categories=["Cost"])
    rows[0]["Recommendation"] = '=HYPERLINK("http://evil.example","x")'
    export = tmp_path / "e.csv"
    export.write_bytes(to_csv(rows))
    assert main(cli(server, "upload", str(export), "--types", "executive", "--formats",
                    "html", "--wait")) == 0
    report_id = capsys.readouterr().out.split("as report ")[1].split()[0]
    assert main(cli(server, "recommendations", report_id, "--impact", "High", "--csv")) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table and all(r["impact"] == "High" for r in table)
    assert main(cli(server, "recommendations", report_id, "--search", "HYPERLINK",
                    "--csv")) == 0
    found = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["recommendation"] for r in found] == ['\'=HYPERLINK("http://evil.example","x")']


def test_refused_file_prints_the_servers_reason_and_exits_non_zero(server, tmp_path, capsys):
    export = tmp_path / "people.csv"
    export.write_text("name,age\nana,3\n")
    assert main(cli(server, "upload", str(export))) == 1
    err = capsys.readouterr().err
    assert "people.csv" in err and "Recommendation column" in err
    assert "[422 NotAdvisorExport]" in err and "request id" in err


def test_report_failing_during_processing_exits_non_zero(server, tmp_path, capsys):
    lines = to_csv(build_rows(6, seed=63)).decode("utf-8-sig").splitlines()
    export = tmp_path / "broken.csv"
    export.write_text("\n".join([lines[0]] + [line + ",x,y" for line in lines[1:]]))
    assert main(cli(server, "upload", str(export), "--wait")) == 1
    captured = capsys.readouterr()
    assert "failed" in captured.out and "more than half" in captured.err


def test_clients_commands(server, capsys):
    assert main(cli(server, "clients", "create", "Fabrikam Ltd")) == 0
    assert '"clientId": "fabrikam-ltd"' in capsys.readouterr().out
    assert main(cli(server, "clients", "list", "--search", "fabrikam")) == 0
    assert "fabrikam-ltd" in capsys.readouterr().out
    assert main(cli(server, "clients", "show", "fabrikam-ltd")) == 0
    assert main(cli(server, "clients", "show", "nobody")) == 1
    assert "[404 NotFound]" in capsys.readouterr().err


def test_wrong_key_and_unreachable_server(server, capsys):
    assert main(["--url", server.base_url, "--key", "wrong", "list"]) == 1
    assert "function key" in capsys.readouterr().err
    assert main(["--url", "http://127.0.0.1:9", "--key", "k", "list"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_check_needs_no_server(tmp_path):
    export = tmp_path / "x.csv"
    export.write_bytes(to_csv(build_rows(5)))
    done = subprocess.run([str(Path(sys.executable).parent / "advisor-reports"), "check",
                           str(export)], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "ADVISOR_REPORTS_URL": "http://x"})
    assert done.returncode == 0, done.stderr
    assert "Accepted: 5 of 5 rows" in done.stdout
    module = subprocess.run([sys.executable, "-m", "advisor_cli", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert module.returncode == 0 and "upload" in module.stdout


def test_progress_lines_and_live_bar():
    custom = {"stage": "storing", "percent": 40, "rowsTotal": 5000, "rowsStored": 2000,
              "artifactsDone": 0, "artifactsTotal": 10}
    assert describe(custom, 12.4) == " 40% storing · rows 2,000/5,000 · artifacts 0/10 · 12s"

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    live = Tty()
    display = Display(live)
    display.update(custom, 1)
    display.update({**custom, "percent": 100, "stage": "completed"}, 2)
    display.close()
    assert live.getvalue().count("\r[") == 2 and "[########################]" in live.getvalue()
    plain = io.StringIO()
    display = Display(plain)
    display.update(custom, 1)
    display.update(custom, 2)  # only time changed: no new line
    display.update({**custom, "percent": 50}, 3)
    assert plain.getvalue().count("\n") == 2


def test_branding_notes_and_render_from_the_command_line(server, tmp_path, capsys):
    samples = ROOT / "samples"
    export = tmp_path / "export.csv"
    export.write_bytes(to_csv(build_rows(30, seed=63)))
    assert main(cli(server, "upload", str(export), "--client", "cli-brand", "--client-name",
                    "Brand Test Ltd", "--formats", "pdf", "--types", "executive",
                    "--wait")) == 0
    report_id = capsys.readouterr().out.split("as report ")[1].split()[0]
    assert main(cli(server, "branding", "set", "--name", "Northwind", "--contact",
                    "hello@northwind.example", "--logo", str(samples / "logo-partner.jpg"))) == 0
    partner = capsys.readouterr().out
    assert '"name": "Northwind"' in partner and '"contentType": "image/jpeg"' in partner
    assert main(cli(server, "clients", "update", "cli-brand", "--name", "Brand Ltd",
                    "--logo", str(samples / "logo-contoso.png"), "--color", "#0b5cad")) == 0
    client = capsys.readouterr().out
    assert '"name": "Brand Ltd"' in client and '"accentColor": "#0b5cad"' in client
    notes = tmp_path / "notes.md"
    notes.write_text("- **Reserve** the VMs\n", encoding="utf-8")
    assert main(cli(server, "notes", report_id, "--file", str(notes))) == 0
    out = tmp_path / "out"
    assert main(cli(server, "render", report_id, "--formats", "xlsx,pptx", "--out",
                    str(out))) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names[0].startswith("Brand Ltd - Executive summary - ")
    assert [Path(n).suffix for n in names] == [".pptx", ".xlsx"]
    assert main(cli(server, "clients", "update", "cli-brand", "--inactive")) == 0
    capsys.readouterr()
    assert main(cli(server, "upload", str(export), "--client", "cli-brand")) == 1
    assert "inactive" in capsys.readouterr().err
