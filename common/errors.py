"""The root of the errors whose message is meant for the person at the terminal."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input; ``str(err)`` is one line that says what to fix."""
