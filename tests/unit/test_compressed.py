"""HTML reports stored gzip-compressed, and what a caller's Accept-Encoding allows."""

from __future__ import annotations

import gzip
import io

import pytest

from shared.http.negotiation import accepts
from shared.storage.compressed import gzipped, stored_encoding


@pytest.mark.parametrize("header,allowed", [
    ("gzip, deflate, br, zstd", True),  # Chromium's
    ("GZIP", True),
    ("x-gzip", True),
    ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
    ("*", True),
    ("identity", False),
    ("", False),
    (None, False),
    ("gzip;q=0", False),
    ("gzip;q=0, *", False),  # named and refused: `*` does not bring it back
    ("*;q=0", False),
    ("gzip;q=nonsense", False),
    ("deflate, br", False),
])
def test_gzip_is_sent_only_to_who_accepts_it(header, allowed):
    assert accepts(header, "gzip") is allowed


def test_only_html_is_stored_compressed():
    assert stored_encoding("html") == "gzip"
    assert [stored_encoding(f) for f in ("pdf", "xlsx", "pptx")] == [None, None, None]


def test_a_file_compressed_is_the_same_bytes_each_time_and_inflates_to_itself():
    made = ("<tr><td>Right-size or shutdown underutilized virtual machines</td></tr>\n"
            * 20_000).encode()
    source = io.BytesIO(b"ignored" + made)
    source.seek(len(b"ignored"))  # read from where it stands
    with gzipped(source) as first:
        packed = first.read()
    with gzipped(io.BytesIO(made)) as second:
        assert second.read() == packed  # no time or name in the header
    assert gzip.decompress(packed) == made and len(packed) < len(made) // 20
