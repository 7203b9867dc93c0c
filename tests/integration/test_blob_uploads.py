"""Large blobs go up in blocks read from their file, not whole in one request (against real
Azurite, through the app's clients)."""

from __future__ import annotations

import io

from shared.storage.factory import MAX_SINGLE_PUT_BYTES
from tests.integration.test_cleanup import make_storage


def test_a_blob_over_the_single_put_size_is_uploaded_in_blocks(storage_connection,
                                                              unique_name):
    storage = make_storage(storage_connection, unique_name)
    small, large = b"s" * 1000, bytes(range(256)) * (MAX_SINGLE_PUT_BYTES // 256 + 4096)
    for name, data in (("small", small), ("large", large)):
        storage.artifacts.get_blob_client(name).upload_blob(io.BytesIO(data), length=len(data))
        assert storage.artifacts.get_blob_client(name).download_blob().readall() == data
    committed, _ = storage.artifacts.get_blob_client("large").get_block_list()
    assert len(committed) >= 2 and max(b.size for b in committed) <= 4 * 1024 * 1024
    assert storage.artifacts.get_blob_client("small").get_block_list()[0] == []
