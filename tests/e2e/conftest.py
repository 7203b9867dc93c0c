"""The app on a devhost of its own for a test module: most end-to-end modules need only that.
A module that needs other settings, or the app's storage names too, defines its own `app`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.app import start_app
from tests.support.devhost_process import DevhostProcess


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory, request) -> Iterator[DevhostProcess]:
    host, _ = start_app(storage_connection,
                        tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))
    yield host
    host.stop()
