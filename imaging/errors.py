"""The image layer's error: a file that cannot be read or written."""

from __future__ import annotations

from common.errors import UserError


class ImageError(UserError):
    """An image file that cannot be read or written; the message names the file and the cause."""
