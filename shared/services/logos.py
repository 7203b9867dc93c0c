"""Logos: checked by decoding them, so a file is the PNG or JPEG image it claims to be."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 512 * 1024
MAX_SIDE = 4096  # pixels: a logo larger than this is a photo, or a decompression bomb
MIN_SIDE = 16
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    width: int
    height: int


class LogoRefused(ValueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def too_large(size: int, name: str = "The logo") -> LogoRefused:
    return LogoRefused(413, "LogoTooLarge", f"{name} is {size:,} bytes; a logo may be at most "
                       f"{MAX_LOGO_BYTES:,} bytes (512 KiB). Export it smaller, for example "
                       "800 pixels wide.")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


def check_logo(data: bytes, name: str = "The logo") -> Logo:
    """The logo when it is a PNG or JPEG of at most 512 KiB that decodes whole; otherwise
    LogoRefused saying what to send instead."""
    if not data:
        raise LogoRefused(400, "EmptyFile", f"{name} is empty: send a PNG or JPEG file.")
    if len(data) > MAX_LOGO_BYTES:
        raise too_large(len(data), name)
    if _looks_like_svg(data):
        raise LogoRefused(415, "UnsupportedImage", f"{name} is an SVG image; SVG can carry "
                          "scripts and renders differently in PDF, so send the logo as PNG or "
                          "JPEG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format
            if kind not in CONTENT_TYPES:
                raise LogoRefused(415, "UnsupportedImage", f"{name} is a {kind or 'unknown'} "
                                  "image; send the logo as PNG or JPEG.")
            width, height = image.size
            if max(width, height) > MAX_SIDE or min(width, height) < MIN_SIDE:
                raise LogoRefused(400, "InvalidLogo", f"{name} is {width} × {height} pixels; "
                                  f"a logo's sides must be {MIN_SIDE} to {MAX_SIDE} pixels.")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused(400, "InvalidLogo", f"{name} is not a readable PNG or JPEG image "
                          "(it may be truncated or another kind of file).") from None
    return Logo(data, CONTENT_TYPES[kind], width, height)
