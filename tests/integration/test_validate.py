"""Validation writes the accepted rows into the shard blobs as it reads, against real Azurite:
what a reading in many chunks writes is what a reading in one writes, and a refusal that comes
after many batches leaves no shard blob."""

from __future__ import annotations

import pytest

import shared.advisor.parse as parse_module
from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.pipeline import steps
from shared.storage import layout
from shared.storage.shard_writer import ShardWriter
from tests.integration.test_cleanup import make_storage
from tests.support.exports import build_rows, to_csv


def shard_blobs(storage, client_id: str, report_id: str) -> dict[str, bytes]:
    prefix = layout.report_prefix(client_id, report_id) + "data/"
    return {b.name: storage.artifacts.get_blob_client(b.name).download_blob().readall()
            for b in storage.artifacts.list_blobs(name_starts_with=prefix)}


def test_shard_writer_commits_the_staged_batches_and_nothing_before(storage_connection,
                                                                    unique_name):
    storage = make_storage(storage_connection, unique_name)
    rows = [Recommendation(line=n, recommendation=f"r{n}") for n in range(2, 40)]
    with ShardWriter(storage.artifacts, "acme", "r1", 3) as writer:
        writer.add([Recommendation(line=99, recommendation="from a reading given up")])
        writer.start_over()
        for start in range(0, len(rows), 7):
            writer.add(rows[start:start + 7])
        assert shard_blobs(storage, "acme", "r1") == {}  # staged, not visible
        writer.commit()
    blobs = shard_blobs(storage, "acme", "r1")
    assert sorted(blobs) == [layout.shard_blob_name("acme", "r1", s) for s in range(3)]
    for shard in range(3):
        mine = [r for r in rows if layout.shard_of(r.line, 3) == shard]
        assert blobs[layout.shard_blob_name("acme", "r1", shard)] == rec_io.dumps_lines(mine)
        assert writer.counts[shard] == len(mine)
    with ShardWriter(storage.artifacts, "acme", "r1", 3) as again:  # a retried activity
        for start in range(0, len(rows), 5):
            again.add(rows[start:start + 5])
        again.commit()
    assert shard_blobs(storage, "acme", "r1") == blobs


def _report(storage, report_id: str, data: bytes) -> dict:
    upload = layout.upload_blob_name("acme", report_id)
    storage.uploads.upload_blob(upload, data, overwrite=True)
    storage.reports.create("acme", report_id, {"status": "queued", "uploadBlob": upload,
                                               "createdAt": "2026-11-24T00:00:00Z"})
    return {"clientId": "acme", "reportId": report_id, "uploadBlob": upload,
            "uploadContainer": storage.settings.uploads_container,
            "reportTypes": ["executive"], "formats": ["html"], "shards": 16}


def test_validation_in_chunks_writes_what_one_reading_writes(storage_connection, unique_name,
                                                            monkeypatch):
    storage = make_storage(storage_connection, unique_name)
    rows = build_rows(6_000, seed=3)
    rows[10]["Recommendation"] = ""  # rejected
    data = to_csv(rows + rows[100:104])  # duplicates in the last chunk of earlier rows
    whole = steps.validate(storage, _report(storage, "whole", data))
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 50_000)  # about 30 chunks
    chunked = steps.validate(storage, _report(storage, "chunked", data))
    assert chunked == whole and whole["rowsAccepted"] == 5_999
    assert len(whole["shards"]) == 3  # 6,004 lines: three shards of up to 2,500
    fields = ("rowsTotal", "rowsAccepted", "rowsRejected", "duplicates", "warnings", "errors",
              "shards")
    one, many = storage.reports.get("acme", "whole"), storage.reports.get("acme", "chunked")
    assert {f: many[f] for f in fields} == {f: one[f] for f in fields}
    assert one["duplicates"] == 4 and one["rowsRejected"] == 1
    assert list(shard_blobs(storage, "acme", "chunked").values()) \
        == list(shard_blobs(storage, "acme", "whole").values())


@pytest.mark.parametrize("chunk_bytes", [2_000, 10**9])
def test_a_refusal_after_many_batches_leaves_no_shard_blob(storage_connection, unique_name,
                                                           monkeypatch, chunk_bytes):
    storage = make_storage(storage_connection, unique_name)
    rows = build_rows(300, seed=4)
    for row in rows[100:]:  # two thirds rejected, the first third accepted and staged
        row["Potential Annual Cost Savings"] = "plenty"
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", chunk_bytes)
    outcome = steps.validate(storage, _report(storage, "refused", to_csv(rows)))
    assert outcome["accepted"] is False
    assert outcome["refusal"]["code"] == "TooManyRejectedRows"
    assert shard_blobs(storage, "acme", "refused") == {}
