"""Paging: `page` and `pageSize` in, `{count, page, pageSize, next, previous, results}` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_of(items: Sequence[Any], *, page: int, page_size: int, url: str,
            query: Mapping[str, str], filters: Mapping[str, Any]) -> dict[str, Any]:
    start = (page - 1) * page_size
    kept = {k: v for k, v in query.items() if k not in ("page", "pageSize", "code")}

    def link(number: int) -> str:
        return f"{url}?{urlencode({**kept, 'page': number, 'pageSize': page_size})}"

    return {
        "count": len(items),
        "page": page,
        "pageSize": page_size,
        "next": link(page + 1) if start + page_size < len(items) else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": list(items[start:start + page_size]),
        "filtersApplied": dict(filters),
    }
