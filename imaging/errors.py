"""Exceptions whose message is meant for the person at the terminal."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input; ``str(err)`` is one line that says what to fix."""


class ImageError(UserError):
    """An image file that cannot be read or written; the message names the file and the cause."""
