"""One clean line saying why a Durable task failed, whichever host ran it.

An activity's failure reaches the orchestrator as the SDK's `Exception(f"{Reason} \\n {Details}")`.
On the Functions host the Reason is `Activity function 'x' failed:  ValueError: text` (two
spaces: the extension cuts the worker's message out of "Exception: ..." with its leading
space) and Details is the serialised .NET exception; earlier devhost builds said
`Activity function 'x' failed: text` with a Python traceback. Both read the same here.
"""

from __future__ import annotations

import re

_SDK_SEPARATOR = " \n "
_SPACES_AFTER_COLON = re.compile(r":\s{2,}")


def readable(error: BaseException | str) -> str:
    """The first line of a failure, without the host's details and stack."""
    text = str(error).split(_SDK_SEPARATOR, 1)[0].strip()
    if not text:
        return type(error).__name__ if isinstance(error, BaseException) else "Unknown failure"
    return _SPACES_AFTER_COLON.sub(": ", text.splitlines()[0])
