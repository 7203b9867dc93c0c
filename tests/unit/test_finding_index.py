"""A report's finding index: numbers that are the same in every process, the blob it is kept
in, which rules it was kept under, and reading only some lines of a staged shard."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from shared.advisor import finding_index
from shared.advisor import records as rec_io
from shared.advisor.exclusions import rules_fingerprint
from shared.advisor.finding_index import FindingIndex, finding_hash, finding_hashes, read_index
from shared.advisor.identity import finding_key
from tests.unit.test_advisor_actions import rec
from tests.unit.test_advisor_exclusions import NOW, rule

ROWS = [rec("Right-size VMs", "vm1", line=2), rec("Right-size VMs.", "VM1", line=3),
        rec("Enable MFA", "Sub a", category="Security", kind="Subscription", group="", line=4)]


def test_a_findings_number_is_the_same_in_another_process():
    """Python's own hash() of a text changes with each process; an index kept by one worker
    is read by another, so its numbers must not."""
    key = finding_key(ROWS[0])
    code = ("from shared.advisor.finding_index import finding_hash; "
            f"print(finding_hash({key!r}).hex())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == finding_hash(key).hex()


def test_the_same_finding_has_the_same_number_and_others_do_not():
    numbers = finding_hashes(ROWS).tolist()
    assert numbers[0] == numbers[1] != numbers[2]  # text case, full stop and name case aside
    assert finding_hash(("a b", "c")) != finding_hash(("a", "b c"))


def test_an_index_is_kept_and_read_back_and_a_stranger_is_not_taken(monkeypatch):
    index = FindingIndex("rules-text")
    for row in ROWS:
        index.add(finding_key(row), row.line)
    back = read_index(index.to_bytes())
    assert back is not None and back.rules == "rules-text"
    assert back.hashes.tolist() == finding_hashes(ROWS).tolist()
    assert back.lines.tolist() == [2, 3, 4]
    assert read_index(b"not an index") is None
    monkeypatch.setattr(finding_index, "VERSION", "blake2b-64/0")  # numbers made otherwise
    other = index.to_bytes()
    monkeypatch.undo()
    assert read_index(other) is None


def test_an_index_never_unpickles_what_it_reads():
    import io

    out = io.BytesIO()
    np.savez(out, hashes=np.array([object()], dtype=object), lines=np.zeros(1, np.int64),
             version=np.array("blake2b-64/1"), rules=np.array(""))
    assert read_index(out.getvalue()) is None


def test_rules_that_keep_the_same_rows_have_the_same_fingerprint():
    group = rule("r1", resourceGroup="RG-Prod")
    same = rule("r9", resourceGroup="rg-prod ", reason="another reason")
    assert rules_fingerprint([group], NOW) == rules_fingerprint([same], NOW)
    assert rules_fingerprint([group, same], NOW) == rules_fingerprint([group], NOW)
    assert rules_fingerprint([], NOW) != rules_fingerprint([group], NOW)
    assert rules_fingerprint([group], NOW) != rules_fingerprint(
        [rule(resourceGroup="rg-test")], NOW)
    expired = rule("r2", resourceGroup="rg-test", expiresAt="2026-11-20T00:00:00Z")
    assert rules_fingerprint([group, expired], NOW) == rules_fingerprint([group], NOW)
    assert rules_fingerprint([rule(all=True)], NOW) != rules_fingerprint([], NOW)


def test_a_shards_lines_are_read_by_number_without_decoding_the_others():
    data = rec_io.dumps_lines(ROWS)
    assert [rec_io.line_of(line) for line in data.splitlines()] == [2, 3, 4]
    assert rec_io.line_of(b'{"recommendation": "x", "line": 7}') == 7  # written otherwise
    pieces = [data[i:i + 7] for i in range(0, len(data), 7)]
    assert [r.line for r in rec_io.iter_lines(pieces, lines={2, 4})] == [2, 4]
    assert list(rec_io.iter_lines([data.rstrip(b"\n")], lines={4})) == [ROWS[2]]
