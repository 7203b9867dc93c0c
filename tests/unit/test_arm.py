"""The ARM side of imports without a server: the endpoint setting, the token audience, the
bounded Retry-After, and the sign-in that fails fast and in words when there is no identity."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy
from azure.core.rest import HttpRequest

from shared.arm.advisor import BoundedRetryPolicy, audience
from shared.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_resource_manager_endpoint_defaults_to_the_public_cloud_and_takes_https_only():
    assert load_settings({}).azure_resource_manager_endpoint == "https://management.azure.com"
    gov = load_settings({"AZURE_RESOURCE_MANAGER_ENDPOINT": "https://management.usgovcloudapi.net/"})
    assert gov.azure_resource_manager_endpoint == "https://management.usgovcloudapi.net"
    for bad in ("http://management.azure.com", "management.azure.com", "https://x/?a=1"):
        with pytest.raises(SettingsError, match="AZURE_RESOURCE_MANAGER_ENDPOINT"):
            load_settings({"AZURE_RESOURCE_MANAGER_ENDPOINT": bad})


def test_the_token_audience_is_the_endpoints_own():
    assert audience("https://management.azure.com") == "https://management.azure.com/.default"
    assert audience("https://management.chinacloudapi.cn/") == \
        "https://management.chinacloudapi.cn/.default"


class _Answer:
    def __init__(self, status: int, retry_after: str | None) -> None:
        self.status_code = status
        self.headers = {"Retry-After": retry_after} if retry_after else {}


def _retries(policy: RetryPolicy, status: int, retry_after: str | None) -> bool:
    request = PipelineRequest(HttpRequest("GET", "https://management.azure.com/x"), None)
    response = PipelineResponse(request.http_request, _Answer(status, retry_after), None)
    return bool(policy.is_retry(policy.configure_retries({}), response))


def test_retry_after_is_honoured_up_to_the_bound_and_no_further():
    policy = BoundedRetryPolicy(max_wait=60)
    assert _retries(policy, 429, "1") and _retries(policy, 503, "60")
    assert not _retries(policy, 429, "3600")  # an hour: the answer stands
    assert _retries(policy, 503, None)  # no header: azure-core's backoff
    assert not _retries(policy, 404, None)
    assert _retries(RetryPolicy(), 429, "3600")  # what azure-core alone would wait for


def test_without_an_identity_the_import_says_how_to_sign_in_and_probes_nothing():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("IDENTITY_", "MSI_", "AZURE_"))}
    script = ("import time; from shared.arm.advisor import fetch_subscription, SignInFailed\n"
              "t = time.monotonic()\n"
              "try: fetch_subscription('s', 'https://127.0.0.1:9')\n"
              "except SignInFailed as e: print(round(time.monotonic() - t, 1), e)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "PYTHONPATH":
                          str(ROOT)}, capture_output=True, text=True, timeout=60)
    seconds, _, message = done.stdout.partition(" ")
    assert message.startswith("The app could not sign in to Azure Resource Manager"), done
    assert "managed identity" in message and "az login" in message
    # No managed identity step, so no probe of 169.254.169.254 and no wait for one.
    assert float(seconds) < 5


def test_a_next_page_off_the_endpoint_is_not_followed(tmp_path):
    """The token goes wherever a nextLink points: only ARM's own host gets it."""
    from tests.support.exports import build_rows
    from tests.support.fake_azure import FakeAzure

    with FakeAzure(tmp_path, page_size=2) as fake:
        sub = fake.add("5b0c0000-0000-4000-8000-0000000000aa", "Elsewhere",
                       [{**r, "Subscription ID": "5b0c0000-0000-4000-8000-0000000000aa"}
                        for r in build_rows(5)])
        fake.next_link_host = "https://attacker.example"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("IDENTITY_", "MSI_", "AZURE_"))}
        script = ("from shared.arm.advisor import fetch_subscription\n"
                  f"fetch_subscription('{sub.subscription_id}', '{fake.endpoint}')\n")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                              text=True, timeout=60,
                              env={**env, **fake.env(), "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0
    assert "is not on https://127.0.0.1" in done.stderr
    assert fake.served["page"] == 1  # the first page only; nothing was sent elsewhere
