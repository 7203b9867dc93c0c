"""A client's Advisor recommendations, read from Azure Resource Manager one subscription at a
time: the Advisor REST API's Recommendations_List (`nextLink` paging) sent through the Azure
SDK's ARM pipeline (azure-mgmt-core: ARM's authentication challenge, retries, logging) with
azure-identity's credential, its pages read as the JSON the REST specification defines.

Why not azure-mgmt-advisor's typed `recommendations.list`: building its models is pure Python
at about 0.12 ms a recommendation, five times everything else the fetch does (1.2 s of CPU
for 10,000 against 0.2 s; bench/import.py); the mapping reads the wire JSON either way. The
SDK's models still check, in the tests, that the JSON served there has the specification's
shape (tests/integration/test_azure_rows.py).

Why per subscription, not Resource Graph's one query: each subscription succeeds or fails on
its own, with ARM's own answer (403 AuthorizationFailed, 404 SubscriptionNotFound) naming it;
Resource Graph leaves out the subscriptions an identity cannot read without saying so, and a
lost delegation would look like a clean month (docs/azure-import.md).

Each recommendation becomes the export line of `shared.advisor.azure_rows` (the pipeline then
reads those lines as it reads an upload). Faults: a subscription that answers 401/403/404 or
keeps throttling fails alone, with words that name it and what to do (SubscriptionFetch.error);
a network fault raises, so the activity's retry policy runs the fetch again; a sign-in that
fails is the same for every subscription and is reported once (SignInFailed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.pipeline.policies import RetryPolicy
from azure.core.rest import HttpRequest

from shared.advisor.azure_rows import export_row

log = logging.getLogger("advisor_reports.arm")

SUBSCRIPTIONS_API = "2022-12-01"  # Microsoft.Resources: a subscription's display name
ADVISOR_API = "2020-01-01"  # Microsoft.Advisor: Recommendations_List (learnMoreLink and all)
MAX_PAGES = 10_000  # a nextLink chain longer than this is ARM's fault, not a client's size
MAX_RETRY_AFTER = 60.0  # seconds: a longer wait asked by a 429 or 503 fails the subscription
RETRIES = 4  # per request, for 408/429/5xx and connection faults, before the error stands
READER_ROLE = "Reader"


class SignInFailed(RuntimeError):
    """The app could not get a token for Azure Resource Manager: no subscription can be read."""


class BoundedRetryPolicy(RetryPolicy):
    """azure-core's retries (Retry-After honoured on 429 and 503), except that a wait longer
    than `max_wait` is not waited for: the answer stands and the subscription fails with it,
    instead of an activity sleeping for an hour."""

    def __init__(self, max_wait: float = MAX_RETRY_AFTER, **kwargs: Any) -> None:
        kwargs.setdefault("retry_total", RETRIES)
        kwargs.setdefault("retry_backoff_factor", 0.5)
        kwargs.setdefault("retry_backoff_max", 8)
        super().__init__(**kwargs)
        self.max_wait = max_wait

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        if not super().is_retry(settings, response):
            return False
        wait = self.get_retry_after(response)
        return wait is None or wait <= self.max_wait


@dataclass
class SubscriptionFetch:
    """What reading one subscription gave: its rows, or the error that stopped it."""

    subscription_id: str
    name: str = ""
    rows: list[list[str]] = field(default_factory=list)
    error: str = ""
    code: str = ""  # ARM's error code (AuthorizationFailed, SubscriptionNotFound, ...)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def label(self) -> str:
        return f"{self.name} ({self.subscription_id})" if self.name else self.subscription_id


def audience(endpoint: str) -> str:
    """The token scope of an ARM endpoint: the public cloud's and the sovereign clouds' ARM
    accept their own URL as audience (https://management.azure.com/.default)."""
    return endpoint.rstrip("/") + "/.default"


@lru_cache(maxsize=1)
def default_credential() -> Any:
    """The app's identity, one per process (the credential caches its tokens).

    On Azure Functions the managed identity, which the platform offers at IDENTITY_ENDPOINT
    (AZURE_CLIENT_ID picks a user-assigned one). Elsewhere the developer sign-ins of
    DefaultAzureCredential (`az login`, azd, the AZURE_* service principal variables) without
    its managed identity step: off Azure that step probes the VM metadata address
    169.254.169.254, which a workstation does not have and a test must not reach.
    """
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if os.environ.get("IDENTITY_ENDPOINT") or os.environ.get("MSI_ENDPOINT"):
        return ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID") or None)
    return DefaultAzureCredential(exclude_managed_identity_credential=True)


def _pipeline(credential: Any, endpoint: str) -> Any:
    """The ARM pipeline the Azure SDK's management clients are built on (azure-mgmt-core):
    request ids, ARM's authentication challenge with the credential, bounded retries, logging
    that leaves out the token."""
    from azure.core.pipeline import policies
    from azure.mgmt.core import ARMPipelineClient
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    return ARMPipelineClient(base_url=endpoint.rstrip("/"), policies=[
        policies.RequestIdPolicy(), policies.HeadersPolicy(),
        policies.UserAgentPolicy(sdk_moniker="advisor-reports"), policies.ContentDecodePolicy(),
        policies.RedirectPolicy(), BoundedRetryPolicy(),
        ARMChallengeAuthenticationPolicy(credential, audience(endpoint)),
        ARMHttpLoggingPolicy()], connection_timeout=10, read_timeout=60)


def _arm_error(error: HttpResponseError) -> tuple[str, str]:
    """(code, message) of an ARM error answer (`{"error": {"code", "message"}}`)."""
    code = getattr(error.error, "code", None) or ""
    message = getattr(error.error, "message", None) or error.reason or ""
    if not code and error.response is not None:
        try:
            body = error.response.json().get("error") or {}
        except (ValueError, AttributeError):
            body = {}
        code, message = body.get("code") or "", body.get("message") or message
    return str(code), str(message)


def explain(fetch: SubscriptionFetch, error: HttpResponseError) -> str:
    """A failed subscription's message: which one, what Azure said, what to do."""
    status = error.status_code or 0
    code, message = _arm_error(error)
    said = f"{status} {code}".strip()
    if status in (401, 403):
        return (f"Subscription {fetch.label}: the app's identity may not read it ({said}). Give "
                f"the identity the {READER_ROLE} role on the subscription, directly or through "
                "the Azure Lighthouse delegation (infra/lighthouse/): reading Advisor "
                "recommendations needs Microsoft.Advisor/recommendations/read.")
    if status == 404:
        return (f"Subscription {fetch.label} was not found ({said}): check the id on the "
                "client record, and that the subscription is in (or delegated to) the app's "
                "tenant.")
    if status in (429, 503):
        wait = error.response.headers.get("Retry-After") if error.response is not None else None
        asked = f", asking to wait {wait} s" if wait else ""
        return (f"Subscription {fetch.label}: Azure Resource Manager kept refusing the reads "
                f"({said}{asked}) after {RETRIES} retries; import again later.")
    return (f"Subscription {fetch.label}: Azure Resource Manager answered {said}: "
            f"{message[:300]}")


def _get(pipeline: Any, url: str, params: dict[str, str] | None = None) -> Any:
    """The JSON body of a GET; HttpResponseError for an error answer (after the retries)."""
    response = pipeline.send_request(HttpRequest("GET", url, params=params))
    if response.status_code >= 400:
        raise HttpResponseError(response=response)
    return response.json()


def _pages(pipeline: Any, endpoint: str, subscription_id: str) -> Iterator[list[Any]]:
    """Recommendations_List's pages: `value`, then the `nextLink` ARM gives (which carries
    its query, api-version included) until there is none."""
    url: str | None = (f"{endpoint.rstrip('/')}/subscriptions/{subscription_id}"
                       "/providers/Microsoft.Advisor/recommendations")
    params: dict[str, str] | None = {"api-version": ADVISOR_API}
    origin = urlsplit(endpoint)[:2]
    for _ in range(MAX_PAGES):
        body = _get(pipeline, url, params)
        yield body.get("value") or []
        url, params = body.get("nextLink"), None
        if not url:
            return
        if urlsplit(url)[:2] != origin:  # the token goes where the link points: ARM only
            raise RuntimeError(f"Azure Resource Manager's next page for subscription "
                               f"{subscription_id} is not on {endpoint}: {url[:200]}")
    raise RuntimeError(f"Azure Resource Manager gave more than {MAX_PAGES:,} pages of "
                       f"recommendations for subscription {subscription_id}")


def _fetch_one(credential: Any, endpoint: str, subscription_id: str) -> SubscriptionFetch:
    fetch = SubscriptionFetch(subscription_id)
    pipeline = _pipeline(credential, endpoint)
    try:
        # The display name (the API's recommendations leave it out; the portal's export has
        # it); a subscription ARM does not know, or may not show, answers here already.
        subscription = _get(pipeline, f"{endpoint.rstrip('/')}/subscriptions/{subscription_id}",
                            {"api-version": SUBSCRIPTIONS_API})
        fetch.name = str(subscription.get("displayName") or "")
        for page in _pages(pipeline, endpoint, subscription_id):
            fetch.rows.extend(export_row(r, subscription_id, fetch.name) for r in page)
    except ClientAuthenticationError as error:
        if error.response is None:  # the credential failed, not ARM
            raise SignInFailed(_sign_in_words(error)) from None
        fetch.rows, fetch.code = [], _arm_error(error)[0]
        fetch.error = explain(fetch, error)
    except HttpResponseError as error:
        fetch.rows, fetch.code = [], _arm_error(error)[0]
        fetch.error = explain(fetch, error)
    finally:
        pipeline.close()
    return fetch


def _sign_in_words(error: Exception) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ("The app could not sign in to Azure Resource Manager: "
            f"{first[:300]} On Azure, turn on the function app's managed identity (and set "
            "AZURE_CLIENT_ID to a user-assigned one's client id); on a workstation, run "
            "`az login`.")


def fetch_subscription(subscription_id: str, endpoint: str,
                       credential: Any = None) -> SubscriptionFetch:
    """One subscription's rows, or the error ARM gave for it (SubscriptionFetch.error); raises
    SignInFailed when no token can be had, and a network error (azure.core's
    ServiceRequestError or ServiceResponseError) as it comes, for the caller's retry."""
    result = _fetch_one(credential or default_credential(), endpoint, subscription_id)
    log.info("Advisor import: subscription %s: %s", subscription_id,
             f"{len(result.rows)} recommendation(s)" if result.ok else result.error)
    return result
