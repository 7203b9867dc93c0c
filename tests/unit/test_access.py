"""Who sees a bulk operation, and which address a share-link failure is counted against."""

from __future__ import annotations

import pytest

from shared.http.rate_limits import caller_address
from shared.services.bulk import visible_to

JOB = {"action": "render", "reports": [{"reportId": "r1", "clientId": "alpha"}],
       "missing": ["r9"], "clientIds": ["alpha"]}


def test_a_bulk_operation_is_seen_by_callers_who_see_every_client_it_names():
    assert visible_to(JOB, None)  # every client
    assert visible_to(JOB, frozenset({"alpha", "beta"}))
    assert not visible_to(JOB, frozenset({"beta"}))
    two = {**JOB, "reports": [*JOB["reports"], {"reportId": "r2", "clientId": "beta"}]}
    assert not visible_to(two, frozenset({"alpha"}))  # a report's client counts, too


@pytest.mark.parametrize("job", [
    {**JOB, "reports": [], "clientIds": []},  # names no client: could be anyone's
    None, "text", {"clientIds": "alpha"}, {"reports": [], "clientIds": None},
])
def test_a_client_scoped_caller_does_not_see_what_names_no_client_of_its_own(job):
    assert not visible_to(job, frozenset({"alpha"}))
    assert visible_to(job, None)


@pytest.mark.parametrize("header, address", [
    (None, "unknown"), ("", "unknown"), ("203.0.113.7", "203.0.113.7"),
    ("203.0.113.7:50412", "203.0.113.7"), ("[2001:db8::1]:443", "2001:db8::1"),
    ("2001:db8::1", "2001:db8::1"),
    # A caller may write entries of its own; the front end's (last) one counts.
    ("10.0.0.1, 6.6.6.6, 198.51.100.2:1234", "198.51.100.2"),
])
def test_the_caller_address_is_the_front_ends_entry(header, address):
    assert caller_address(header) == address
