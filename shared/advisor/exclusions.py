"""Exclusions and accepted risks: rules a client decided once, applied to every later export.

A rule matches a row when every field it names matches (literally, without regard to case;
`resourceIdPrefix` by prefix); a rule naming no field matches every row and must say
`all: true`. There are no wildcards: a text that looks like a pattern (`*`, `.*`, `^...`,
`...$`) is refused rather than taken literally and matching nothing. A rule is in force from
its creation until `expiresAt` (when given). Rows a rule in force matches are excluded: kept
and browsable, left out of every figure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.advisor.identity import normalised_text
from shared.advisor.model import Recommendation
from shared.advisor.row_table import where

KINDS = ("accepted-risk", "not-applicable", "postponed")
MATCH_FIELDS = ("recommendation", "category", "subscriptionId", "resourceGroup", "resourceId",
                "resourceIdPrefix", "resourceType")
MAX_RULES = 500


def _fold(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class _Matcher:
    rule_id: str
    # (what a row yields, the value it must equal or start with, by prefix)
    tests: tuple[tuple[str, str, bool], ...]


def _row_value(rec: Recommendation, field: str) -> str:
    if field == "recommendation":
        return normalised_text(rec.recommendation)
    if field == "category":
        return _fold(rec.category)
    if field == "subscriptionId":
        return _fold(rec.subscription_id)
    if field == "resourceGroup":
        return _fold(rec.resource_group)
    if field in ("resourceId", "resourceIdPrefix"):
        return _fold(rec.resource_id)
    return _fold(rec.resource_type)


def in_force(rule: dict[str, Any], moment: str) -> bool:
    """Created at or before `moment` (ISO 8601 UTC) and not expired by then."""
    created, expires = rule.get("createdAt") or "", rule.get("expiresAt") or ""
    return created[:19] <= moment[:19] and (not expires or moment[:19] < expires[:19])


def _matcher(rule: dict[str, Any]) -> _Matcher:
    tests = []
    for field in MATCH_FIELDS:
        value = rule.get(field)
        if value:
            wanted = normalised_text(value) if field == "recommendation" else _fold(value)
            tests.append((field, wanted, field == "resourceIdPrefix"))
    return _Matcher(rule["ruleId"], tuple(tests))


@dataclass
class Applied:
    """The rows in force, the excluded rows' lines with their rule, and rows per rule."""

    kept: Sequence[Recommendation]  # a view when the rows came as a RowTable
    excluded: dict[int, str]
    counts: dict[str, int]


_ANCHORS = ("resourceId", "recommendation", "resourceGroup", "subscriptionId", "resourceType",
            "category")


def apply_rules(records: Sequence[Recommendation], rules: Sequence[dict[str, Any]],
                moment: str) -> Applied:
    """Split rows into those in force and those a rule in force at `moment` excludes (of
    several matching rules, the first in the order given is the one recorded).

    Rules are indexed by one field they match exactly (or by their resource id prefix), so a
    row is checked against the few rules that can match it, not against all 500.
    """
    counts = {r["ruleId"]: 0 for r in rules}
    if not any(in_force(r, moment) for r in rules):
        return Applied(records, {}, counts)  # nothing to match each row against
    indexed: dict[str, dict[str, list[tuple[int, _Matcher]]]] = {}
    by_prefix: dict[int, dict[str, list[tuple[int, _Matcher]]]] = {}  # length -> prefix
    scanned: list[tuple[int, _Matcher]] = []  # `all: true`
    for order, rule in enumerate(r for r in rules if in_force(r, moment)):
        matcher = _matcher(rule)
        exact = {field: wanted for field, wanted, prefix in matcher.tests if not prefix}
        prefixes = [wanted for _, wanted, prefix in matcher.tests if prefix]
        anchor = next((f for f in _ANCHORS if f in exact), None)
        if anchor is not None:
            indexed.setdefault(anchor, {}).setdefault(exact[anchor], []).append(
                (order, matcher))
        elif prefixes:  # a value starts with the prefix when its first len(prefix) chars are it
            by_prefix.setdefault(len(prefixes[0]), {}).setdefault(prefixes[0], []).append(
                (order, matcher))
        else:
            scanned.append((order, matcher))
    excluded: dict[int, str] = {}
    for rec in records:
        values: dict[str, str] = {}

        def value(field: str, rec: Recommendation = rec, values: dict = values) -> str:
            found = values.get(field)
            if found is None:
                found = values[field] = _row_value(rec, field)
            return found

        candidates = [*scanned]
        for field, by_value in indexed.items():
            candidates.extend(by_value.get(value(field), ()))
        if by_prefix:
            resource = value("resourceIdPrefix")
            for length, by_start in by_prefix.items():
                candidates.extend(by_start.get(resource[:length], ()))
        best: tuple[int, str] | None = None
        for order, matcher in candidates:
            if best is not None and order > best[0]:
                continue
            if all(value(f).startswith(w) if prefix else value(f) == w
                   for f, w, prefix in matcher.tests):
                best = (order, matcher.rule_id)
        if best is not None:
            excluded[rec.line] = best[1]
            counts[best[1]] += 1
    # The rows in force are picked after: a RowTable's rows are made as they are read, and a
    # list of them kept here would hold them all made.
    kept = where(records, "line", lambda line: line not in excluded) if excluded else records
    return Applied(kept, excluded, counts)


def rules_fingerprint(rules: Sequence[dict[str, Any]], moment: str) -> str:
    """What decides which rows apply_rules keeps: the match tests of the rules in force at
    `moment`, as one text (their ids, reasons and order only say which rule is recorded).
    Equal texts keep the same rows of any export."""
    tests = sorted({_matcher(r).tests for r in rules if in_force(r, moment)})
    return hashlib.sha256(repr(tests).encode()).hexdigest()


# What makes a text look like a pattern (a glob or a regular expression) rather than the text
# it should equal: a `*` anywhere, a leading `^` or a trailing `$` (anchors), `.*`, `.+`,
# `.?`, a backslash class such as `\d` or an escaped dot, a character range such as `[a-z]` or
# a negated class `[^`, a group `(?`, and a counted repeat `{2}`. Parentheses, dots, `?` and
# `$` elsewhere stay literal: recommendations, resource groups and names hold them.
_PATTERN = re.compile(r"\*|^\^|\$$|\.[*+?]|\\[dDwWsSbB.]|\[\^|\[[A-Za-z0-9]-[A-Za-z0-9]\]"
                      r"|\(\?|\{\d+(?:,\d*)?\}")


def pattern_problems(rule: dict[str, Any]) -> list[dict[str, str]]:
    """The match texts that look like patterns: refused, since rules compare texts exactly
    (resourceIdPrefix by prefix) and have no wildcards, so `.*` would match nothing."""
    problems = []
    for field in MATCH_FIELDS:
        value = rule.get(field)
        found = _PATTERN.search(value) if isinstance(value, str) else None
        if found:
            problems.append({"code": "PatternNotSupported", "target": field, "message":
                             f"{field} looks like a pattern ({found.group()!r}): exclusion "
                             "texts match exactly, without regard to case (resourceIdPrefix "
                             "by prefix), with no wildcards or regular expressions. Give the "
                             "text itself, or resourceIdPrefix for the resources under a "
                             "path."})
    return problems


def rule_problems(rule: dict[str, Any]) -> list[dict[str, str]]:
    """What is wrong with a rule (also checked by the API's schema, but a change merged into
    a stored rule is checked here): an empty rule without `all: true`, a postponement without
    an end."""
    problems = []
    named = [f for f in MATCH_FIELDS if rule.get(f)]
    if not named and not rule.get("all"):
        problems.append({"code": "EmptyRule", "target": "body", "message":
                         "The rule names no field to match, so it would exclude every "
                         "recommendation: name at least one of " + ", ".join(MATCH_FIELDS)
                         + ", or say \"all\": true if that is what you mean."})
    if rule.get("kind") == "postponed" and not rule.get("expiresAt"):
        problems.append({"code": "InvalidRule", "target": "expiresAt", "message":
                         "A postponed finding needs expiresAt: the date it comes back."})
    return problems
