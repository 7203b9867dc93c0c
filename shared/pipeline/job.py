"""The orchestrations' input (a "job"): its shape, checked before anything acts on it.

The Durable management API can start an orchestration with any input, so neither the
orchestrators nor the activities trust it: a job names one client's report, and its upload
blob lies in that client's folder.
"""

from __future__ import annotations

import re
from typing import Any

from shared.storage.clients import is_slug
from shared.storage.layout import APPENDIX_CHOICES, FORMATS, REPORT_TYPES

MAX_SHARDS = 256
MAX_SUBSCRIPTIONS = 500  # a client's, as the client schema allows
_REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}$")


class InvalidJob(ValueError):
    """The input does not describe a report this app made."""


def check_job(job: Any) -> dict[str, Any]:
    """The job itself when it is well formed, else InvalidJob saying what is wrong."""
    if not isinstance(job, dict):
        raise InvalidJob("the input is not a job object")
    client_id, report_id = job.get("clientId"), job.get("reportId")
    if not isinstance(client_id, str) or not is_slug(client_id):
        raise InvalidJob("clientId is not a client id")
    if not isinstance(report_id, str) or not _REPORT_ID.match(report_id):
        raise InvalidJob("reportId is not a report id")
    blob = job.get("uploadBlob")
    if not isinstance(blob, str) or not is_in_folder(blob, client_id):
        raise InvalidJob(f"the upload blob is not in client {client_id}'s folder")
    types, formats = job.get("reportTypes"), job.get("formats")
    if not isinstance(types, list) or not set(types) <= set(REPORT_TYPES):
        raise InvalidJob("reportTypes names unknown report types")
    if not isinstance(formats, list) or not set(formats) <= set(FORMATS):
        raise InvalidJob("formats names unknown formats")
    if job.get("appendix", "top") not in APPENDIX_CHOICES:  # jobs made before it have none
        raise InvalidJob(f"appendix must be one of {', '.join(APPENDIX_CHOICES)}")
    if "source" in job and (job["source"] != "azure" or not _count(job.get("subscriptions"),
                                                                   MAX_SUBSCRIPTIONS)):
        raise InvalidJob("an import names its subscriptions' count, from 1 to "
                         f"{MAX_SUBSCRIPTIONS}")
    shards = job.get("shards")
    if not isinstance(shards, int) or isinstance(shards, bool) or not 1 <= shards <= MAX_SHARDS:
        raise InvalidJob(f"shards must be a whole number from 1 to {MAX_SHARDS}")
    return job


def _count(value: Any, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= most


def is_in_folder(blob_name: str, client_id: str) -> bool:
    """Whether a blob name lies under `{client_id}/`, with no way out of it."""
    parts = blob_name.split("/")
    return (len(parts) >= 2 and parts[0] == client_id and "\\" not in blob_name
            and all(p not in ("", ".", "..") for p in parts))
