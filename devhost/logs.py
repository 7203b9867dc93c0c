"""The host's log lines, written the same way by the host and its worker processes.

Every record is cleaned where it is made (`shared.redaction`): share tokens, keys (`code=`,
`x-functions-key`, the devhost's own keys wherever they appear), SAS signatures are redacted,
and control characters from requests are escaped, so no line can be forged and none gives
access to anything.
"""

from __future__ import annotations

import logging
import os

from shared.redaction import install_log_redaction, register_secret

KEY_VARIABLES = ("DEVHOST_FUNCTION_KEY", "DEVHOST_MASTER_KEY",
                 "DEVHOST_DURABLETASK_EXTENSION_KEY", "DEVHOST_BLOBS_EXTENSION_KEY")


def configure_logging() -> None:
    """The host's log format; worker processes use it too, so their lines reach the log."""
    for name in KEY_VARIABLES:
        register_secret(os.environ.get(name))
    install_log_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
