"""Progress bars on stderr (hidden when stderr is not a terminal), one style for every task."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


def progress(total: int | None = None, *, desc: str, unit: str = "it", **kwargs: Any) -> tqdm:
    """A tqdm bar on stderr; ``disable=None`` hides it when stderr is not a terminal."""
    kwargs.setdefault("disable", None)
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, **kwargs)


def note(message: str) -> None:
    """Print ``message`` on stderr above any open progress bar."""
    tqdm.write(message, file=sys.stderr)
