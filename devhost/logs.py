"""The host's log lines, written the same way by the host and its worker processes."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    """The host's log format; worker processes use it too, so their lines reach the log."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
