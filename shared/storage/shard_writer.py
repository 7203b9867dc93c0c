"""A report's validated rows written into its shard blobs while the export is read.

Each batch of records is staged as one block per shard (its records can go once their lines
are staged); `commit` then makes every shard blob at once. Until then nothing of the rows is
visible: an export refused after many batches (too many rejected rows is known only at the
end) leaves no shard blob. Blocks never committed are discarded by the service (a week
later, or at the blob's next commit), and staging a block again under its id replaces it, so
an activity that runs twice writes the same blobs.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from azure.storage.blob import BlobBlock, BlockState, ContainerClient, ContentSettings

from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.storage import layout


class ShardWriter:
    def __init__(self, container: ContainerClient, client_id: str, report_id: str,
                 shards: int) -> None:
        self._blobs = [container.get_blob_client(layout.shard_blob_name(client_id, report_id, s))
                       for s in range(shards)]
        self._pool = ThreadPoolExecutor(max_workers=4)
        self._staging: list[Future] = []
        self._reading = -1
        self.start_over()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def start_over(self) -> None:
        """Forget what was staged: the reader reads the file again from its start."""
        self._wait()
        self._reading += 1  # fresh block ids: nothing of an earlier reading is committed
        self._blocks: list[list[str]] = [[] for _ in self._blobs]
        self.counts = [0] * len(self._blobs)

    def add(self, records: list[Recommendation]) -> None:
        """Stage the records, each in its shard's next block."""
        by_shard: dict[int, list[Recommendation]] = {}
        for record in records:
            by_shard.setdefault(layout.shard_of(record.line, len(self._blobs)), []).append(record)
        # One batch in flight: its lines are held until staged, while the next is read.
        self._wait()
        for shard, rows in by_shard.items():
            # Ids of one length in a blob, as the service requires.
            block_id = f"{self._reading:04d}-{len(self._blocks[shard]):06d}"
            self._blocks[shard].append(block_id)
            self.counts[shard] += len(rows)
            self._staging.append(self._pool.submit(
                self._blobs[shard].stage_block, block_id, rec_io.dumps_lines(rows)))

    def commit(self) -> None:
        """Make each shard blob its staged blocks (an empty blob for a shard with none)."""
        self._wait()
        settings = ContentSettings(content_type="application/x-ndjson")

        def commit(shard: int) -> None:
            self._blobs[shard].commit_block_list(
                [BlobBlock(block_id, BlockState.UNCOMMITTED) for block_id in self._blocks[shard]],
                content_settings=settings)

        list(self._pool.map(commit, range(len(self._blobs))))

    def _wait(self) -> None:
        staging, self._staging = self._staging, []
        for future in staging:
            future.result()
