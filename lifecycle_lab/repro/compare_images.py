"""Images (PNG, JPEG, GIF, …) compared by their pixels, not their bytes, decoded with Pillow.

The same picture written by another encoder or with other metadata is
identical; a rendering a little off is within the tolerance; a changed plot
differs. The distance is the root mean square of the RGBA channel differences
on the 0-255 scale (what matplotlib's image tests measure). An image that
does not decode falls back to the content hash, with a note. Decodes are cached
by content hash, so an image compared again (``--twice``, exports) is decoded
once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageChops

from .compare_text import DIFFERS, IDENTICAL, WITHIN

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"})
THUMBNAIL = 320  # largest side, in pixels, of the pictures kept in a run record
_DECODED_CACHE = 48  # decoded images kept (a 640×480 RGBA image is 1.2 MB)


def payload_text(value: Any) -> str:
    """The base64 payload as one string without line breaks (nbformat allows a list of lines)."""
    text = "".join(value) if isinstance(value, list) else str(value)
    return "".join(text.split())


def image_digest(payload: str) -> str:
    """``sha256:…`` of the base64 payload: the same bytes give the same digest however the text was wrapped."""
    return "sha256:" + hashlib.sha256(payload.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Decoded:
    """An image's pixels as RGBA bytes, or why it could not be decoded."""

    width: int = 0
    height: int = 0
    rgba: bytes = b""
    error: str | None = None


@lru_cache(maxsize=_DECODED_CACHE)
def _decode(digest: str, payload: str) -> Decoded:
    del digest  # the cache key: equal payloads have equal digests, and the digest is already computed
    try:
        raw = base64.b64decode(payload, validate=True)
        with Image.open(io.BytesIO(raw)) as image:
            image.seek(0)  # an animated GIF compares by its first frame
            image.load()
            rgba = image if image.mode == "RGBA" else image.convert("RGBA")  # matplotlib writes RGBA already
            return Decoded(rgba.width, rgba.height, rgba.tobytes())
    except (binascii.Error, ValueError) as exc:
        return Decoded(error=f"not base64 ({exc})")
    except Exception as exc:  # Pillow raises many kinds for a broken file (OSError, SyntaxError, bombs…)
        return Decoded(error=f"{type(exc).__name__}: {exc}")


def decode(payload: str) -> Decoded:
    """The image's pixels, decoded once per content hash."""
    return _decode(image_digest(payload), payload)


@dataclass(frozen=True)
class ImageComparison:
    """How two images relate: status, RMS distance (None when not measured) and a message."""

    status: str
    distance: float | None
    tolerance: float
    message: str
    decoded: bool = True
    resized: bool = False  # decoded, but of other sizes: not comparable pixel by pixel


def compare_images(expected: str, actual: str, tolerance: float) -> ImageComparison:
    """Compare two base64 payloads by their pixels; by content hash, with a note, when one does not decode."""
    if expected == actual:
        return ImageComparison(IDENTICAL, 0.0, tolerance, "the same bytes")
    left, right = decode(expected), decode(actual)
    broken = left.error or right.error
    if broken:
        side = "saved" if left.error else "rerun"
        return ImageComparison(DIFFERS, None, tolerance, f"the {side} image could not be decoded ({broken}): "
                               "compared by content hash", decoded=False)
    if (left.width, left.height) != (right.width, right.height):
        return ImageComparison(DIFFERS, None, tolerance, f"{left.width}×{left.height} vs {right.width}×{right.height} "
                               "pixels", resized=True)
    if left.rgba == right.rgba:
        return ImageComparison(IDENTICAL, 0.0, tolerance, "the same pixels in other bytes")
    distance = rms_distance(left.rgba, right.rgba)
    status = WITHIN if distance <= tolerance else DIFFERS
    word = "within" if status == WITHIN else "beyond"
    return ImageComparison(status, distance, tolerance,
                           f"image distance {distance:.3g} (RMS, 0-255), {word} the tolerance {tolerance:g}")


def rms_distance(left: bytes, right: bytes) -> float:
    """Root mean square of the byte-wise differences of two equally sized pixel buffers."""
    a = np.frombuffer(left, dtype=np.uint8).astype(np.int32)
    b = np.frombuffer(right, dtype=np.uint8).astype(np.int32)
    gap = a - b
    return math.sqrt(float(np.dot(gap, gap)) / gap.size)


def _png_uri(image: Image.Image) -> str:
    image.thumbnail((THUMBNAIL, THUMBNAIL))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _image(decoded: Decoded) -> Image.Image:
    return Image.frombytes("RGBA", (decoded.width, decoded.height), decoded.rgba)


def image_figures(expected: str, actual: str) -> dict[str, str | None]:
    """Thumbnails of both images (``data:`` URIs) and, when they have one size, a difference image.

    The difference image is the saved picture faded, with every changed pixel in red (brighter: larger change).
    """
    left, right = decode(expected), decode(actual)
    figures: dict[str, str | None] = {"expected": None, "actual": None, "difference": None}
    if not left.error:
        figures["expected"] = _png_uri(_image(left))
    if not right.error:
        figures["actual"] = _png_uri(_image(right))
    if not (left.error or right.error) and (left.width, left.height) == (right.width, right.height):
        a, b = _image(left).convert("RGB"), _image(right).convert("RGB")
        change = ImageChops.difference(a, b).convert("L").point(lambda v: 0 if v == 0 else min(255, 96 + v * 4))
        faded = Image.blend(a.convert("L").convert("RGB"), Image.new("RGB", a.size, "white"), 0.75)
        red = Image.new("RGB", a.size, (220, 0, 0))
        figures["difference"] = _png_uri(Image.composite(red, faded, change))
    return figures
