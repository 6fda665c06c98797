"""A resident's photo: bounded, decoded and re-encoded, so no EXIF or GPS tag survives.

Limits (documented in the API): at most ``PHOTO_MAX_BYTES`` (8 MB) as sent, at most
``PHOTO_MAX_PIXELS`` (50 megapixels, a 48-megapixel phone camera's) as declared by its
header, read before any pixel is decoded so a decompression bomb is refused without being
inflated; a JPEG is decoded at the smallest DCT scale that still gives the stored size.
JPEG, PNG and WebP are read; the stored photo is a new JPEG of the pixels only, at most
``STORED_MAX_SIDE`` pixels on its longer side, turned upright first (the orientation tag goes
with the rest of EXIF).
"""

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidParameterValue, PayloadTooLarge

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000
STORED_MAX_SIDE = 2048
STORED_QUALITY = 85
READ_FORMATS = ("JPEG", "PNG", "WEBP")
PHOTO_MEDIA_TYPE = "image/jpeg"


def reencoded(data: bytes) -> bytes:
    """The photo as a fresh JPEG without metadata; a 400 or 413 saying why it is refused."""
    if len(data) > PHOTO_MAX_BYTES:
        raise PayloadTooLarge(f"photo: at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB")
    if not data:
        raise InvalidParameterValue("photo: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=READ_FORMATS) as image:
                _check_size(image.width, image.height)
                image.draft("RGB", (STORED_MAX_SIDE, STORED_MAX_SIDE))  # JPEG only: less to decode
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidParameterValue(
            "photo: not a JPEG, PNG or WebP image, or one too large to decode"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidParameterValue(f"photo: the image cannot be read ({exc})") from None
    pixels.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
    # A new image of the pixels alone: convert() copies the source's info, and the JPEG
    # writer writes its comment (a COM segment can hold a position or a name).
    clean = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=STORED_QUALITY, optimize=True)
    return out.getvalue()


def _check_size(width: int, height: int) -> None:
    if width * height > PHOTO_MAX_PIXELS:
        raise InvalidParameterValue(
            f"photo: {width} x {height} pixels is more than {PHOTO_MAX_PIXELS // 1_000_000} "
            "megapixels"
        )
