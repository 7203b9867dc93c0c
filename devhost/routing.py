"""ASP.NET-style route templates as Azure Functions uses them for HTTP triggers.

Supports literals, `{p}`, optional `{p?}`, catch-all `{*rest}`, constraints such as
`{id:int}`, `{id:guid}`, `{name:alpha}`, `{x:regex(...)}`, and several parameters in one
segment (`{type}.{format}`). Matching is case-insensitive; more specific routes win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r"\{([^{}]+(?:\([^)]*\))?)\}")
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "double": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "bool": r"(?:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}",
    "datetime": r"[^/]+",
}


@dataclass(frozen=True)
class RouteTemplate:
    template: str
    pattern: re.Pattern
    precedence: tuple

    @classmethod
    def compile(cls, template: str) -> RouteTemplate:
        parts: list[str] = []
        scores: list[int] = []
        for segment in [s for s in template.strip("/").split("/") if s]:
            regex, score = _segment(segment)
            parts.append(regex)
            scores.append(score)
        body = "".join(parts)
        return cls(template, re.compile(f"^{body}/?$", re.IGNORECASE), tuple(scores))

    def match(self, path: str) -> dict[str, str] | None:
        m = self.pattern.match("/" + path.strip("/") if path.strip("/") else "")
        if m is None:
            return None
        return {k: v for k, v in m.groupdict().items() if v is not None}


def _segment(segment: str) -> tuple[str, int]:
    params = list(_PARAM.finditer(segment))
    if not params:
        return "/" + re.escape(segment), 1
    if len(params) == 1 and params[0].group(0) == segment:
        name, kind = _parse(params[0].group(1))
        if kind == "catchall":
            return f"(?:/(?P<{name}>.*))?", 6
        if kind == "optional":
            return f"(?:/(?P<{name}>[^/]+))?", 5
        if kind == "any":
            return f"/(?P<{name}>[^/]+)", 4
        return f"/(?P<{name}>{kind})", 3
    regex, last = "/", 0
    for m in params:
        regex += re.escape(segment[last:m.start()])
        name, kind = _parse(m.group(1))
        regex += f"(?P<{name}>{kind if kind not in ('any', 'optional', 'catchall') else '[^/]+?'})"
        last = m.end()
    return regex + re.escape(segment[last:]), 2


def _parse(spec: str) -> tuple[str, str]:
    if spec.startswith("*"):
        return spec.lstrip("*").split(":")[0], "catchall"
    name, _, constraint = spec.partition(":")
    if name.endswith("?"):
        return name[:-1], "optional"
    if constraint.endswith("?"):
        constraint = constraint[:-1]
    if not constraint:
        return name, "any"
    if constraint.startswith("regex(") and constraint.endswith(")"):
        return name, f"(?:{constraint[6:-1].lstrip('^').rstrip('$')})"
    return name, _CONSTRAINTS.get(constraint.split("(")[0].lower(), "[^/]+")
