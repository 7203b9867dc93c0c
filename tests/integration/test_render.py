"""A render activity on real Azurite: one report type in several formats, its inputs read once;
what it wrote removed when the report is deleted while it renders."""

from __future__ import annotations

import gzip

import pytest

from shared.pipeline import steps
from shared.rendering import render as rendering
from shared.storage import layout
from shared.storage.reports import ReportGone, now_iso
from tests.integration.test_cleanup import make_storage
from tests.integration.test_validate import _report
from tests.support.exports import build_rows, to_csv


def _ready(storage, report_id: str) -> dict:
    job = _report(storage, report_id, to_csv(build_rows(120, seed=5)))
    assert steps.validate(storage, job)["accepted"]
    steps.summarize(storage, job)
    return job


def _blob(storage, name: str) -> bytes:
    return storage.artifacts.get_blob_client(name).download_blob().readall()


def test_one_type_in_several_formats_is_each_format_alone(storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    job = _ready(storage, "formats")
    together = steps.render(storage, job, "cost", ["html", "pdf", "xlsx"])
    assert [(a["reportType"], a["format"]) for a in together] == [
        ("cost", "html"), ("cost", "pdf"), ("cost", "xlsx")]
    made = {a["format"]: _blob(storage, a["blob"]) for a in together}
    assert all(len(data) == a["size"] for a, data in zip(together, made.values(), strict=True))
    # The HTML is stored gzip-compressed (browsers inflate it), the others as made.
    stored = {a["format"]: storage.artifacts.get_blob_client(a["blob"]).download_blob(
        decompress=False) for a in together}
    assert {f: d.properties.content_settings.content_encoding for f, d in stored.items()} \
        == {"html": "gzip", "pdf": None, "xlsx": None}
    packed = stored["html"].readall()
    assert gzip.decompress(packed) == made["html"] and made["html"].startswith(b"<!doctype html>")
    assert together[0]["storedSize"] == len(packed) < len(made["html"]) // 4
    for fmt in ("html", "xlsx"):  # the PDF stamps its creation time
        alone = steps.render(storage, job, "cost", [fmt])
        assert _blob(storage, alone[0]["blob"]) == made[fmt]


def test_a_report_deleted_while_it_renders_keeps_none_of_its_formats(
        storage_connection, unique_name, monkeypatch):
    storage = make_storage(storage_connection, unique_name)
    job = _ready(storage, "deleted")
    write = rendering.write_report
    calls = []

    def delete_after_first(report_type, fmt, data, out):  # the user deletes it meanwhile
        write(report_type, fmt, data, out)
        calls.append(fmt)
        if len(calls) == 1:
            storage.reports.update("acme", "deleted", {"deletedAt": now_iso()})

    monkeypatch.setattr(steps, "write_report", delete_after_first)
    with pytest.raises(ReportGone):
        steps.render(storage, job, "executive", ["html", "pdf"])
    assert calls == ["html", "pdf"]
    names = [layout.artifact_blob_name("acme", "deleted", "executive", f) for f in ("html", "pdf")]
    assert not [b.name for b in storage.artifacts.list_blobs(
        name_starts_with=layout.report_prefix("acme", "deleted")) if b.name in names]
