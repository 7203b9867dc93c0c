"""Every orchestration instance of the task hub, page by page.

The Durable extension answers instance queries in pages (`top`, 100 by default, with the next
page's token in `x-ms-continuation-token`: HttpApiHandler.cs), but the Python SDK's
`get_status_all` reads the first page only, so on a busy task hub it would see 100 instances.
This follows the tokens on the binding's RPC endpoint (`rpcBaseUrl`, the address the SDK itself
calls; read from the client the SDK built from the binding).
"""

from __future__ import annotations

from typing import Any

import aiohttp

PAGE_SIZE = 500
MAX_PAGES = 200  # 100,000 instances: a bound, not an expected size


async def list_all(client: Any, *, show_input: bool = False,
                   page_size: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """Status bodies of every instance (without inputs unless asked)."""
    base = client._orchestration_bindings.rpc_base_url  # the SDK's own RPC address
    url = f"{base}instances/"
    params = {"top": str(page_size), "showInput": str(show_input).lower()}
    found: list[dict[str, Any]] = []
    token = ""
    async with aiohttp.ClientSession() as session:
        for _ in range(MAX_PAGES):
            headers = {"x-ms-continuation-token": token} if token else {}
            async with session.get(url, params=params, headers=headers) as response:
                response.raise_for_status()
                found.extend(await response.json())
                token = response.headers.get("x-ms-continuation-token", "")
            if not token or token == "null":
                break
    return found
