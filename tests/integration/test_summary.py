"""The summary works out each report type's statistics and action plan once, on real Azurite,
and the renders take them from its blob: an artifact is the same with the blob or without."""

from __future__ import annotations

import json

from shared.pipeline import steps
from shared.storage import layout
from tests.integration.test_cleanup import make_storage
from tests.integration.test_validate import _report
from tests.support.exports import build_rows, to_csv


def test_renders_read_the_summarys_facts_and_draw_what_they_would_work_out(
        storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    job = _report(storage, "facts", to_csv(build_rows(400, seed=11)))
    job["reportTypes"], job["formats"] = ["executive", "cost"], ["html", "pdf"]
    assert steps.validate(storage, job)["accepted"]
    steps.summarize(storage, job)

    name = layout.facts_blob_name("acme", "facts")
    facts = json.loads(storage.artifacts.get_blob_client(name).download_blob().readall())
    assert set(facts["types"]) == set(layout.REPORT_TYPES)
    every = facts["types"]["executive"]
    assert every["stats"]["totals"]["recommendations"] == 400
    assert 0 < facts["types"]["cost"]["stats"]["totals"]["recommendations"] < 400
    statistics = storage.artifacts.get_blob_client(
        layout.statistics_blob_name("acme", "facts")).download_blob().readall()
    assert json.loads(statistics) == every["stats"]  # the statistics endpoint's figures

    def artifact(report_type: str, fmt: str) -> bytes:
        blob = steps.render(storage, job, report_type, [fmt])[0]["blob"]
        return storage.artifacts.get_blob_client(blob).download_blob().readall()

    given = {pair: artifact(*pair) for pair in [("executive", "html"), ("cost", "pdf")]}
    storage.artifacts.delete_blob(name)  # an older report: the render works them out itself
    assert {pair: artifact(*pair) for pair in given} == given
