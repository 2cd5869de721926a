"""The documentation's result tables, rendered from ``sr/results.json`` (no TensorFlow).

README.md and docs/sr-results.md hold each table between two markers::

    <!-- sr/results.json: NAME -->
    | ... the Markdown of render(NAME) ... |
    <!-- end sr/results.json -->

``tests/test_sr_results.py`` checks that every such block equals :func:`render` of its name, so a
number is typed only in the JSON file. After editing it, ``python -m sr.result_tables`` prints
every block to paste over the old ones.
"""

from __future__ import annotations

import re

from sr.results import DATASETS, SCALES, Cell, fmt, fmt_cell, measured, published_cells

#: the tables' names for sr_eval.py's models
NAMES = {"bicubic": "bicubic", "srcnn": "SRCNN 9-1-5", "vdsr": "VDSR", "vdsr_sp": "VDSR-sp"}
NETWORKS = ("srcnn", "vdsr", "vdsr_sp")
BEGIN = "<!-- sr/results.json: {name} -->"
END = "<!-- end sr/results.json -->"
BLOCK = re.compile(
    r"<!-- sr/results\.json: ([\w-]+) -->\n(.*?)\n<!-- end sr/results\.json -->", re.S
)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _measured(model: str, dataset: str, scale: int) -> Cell:
    cell = measured(model, dataset, scale)
    if cell is None:
        raise KeyError(f"sr/results.json has no measured cell {model} {dataset} x{scale}")
    return cell


def _paper(model: str, dataset: str, scale: int) -> str:
    cell = published_cells().get((model, dataset, scale))
    return "–" if cell is None else fmt_cell(cell, "published")


def headline(plus: bool = False) -> str:
    """Every (model, set) at x2 / x3 / x4: our plain rows and the papers' (``plus``: the
    self-ensemble rows instead)."""
    models = [m + "+" for m in NETWORKS] if plus else list(NAMES)
    rows = []
    for dataset in DATASETS:
        for model in models:
            name = NAMES[model.removesuffix("+")] + ("+" if plus else "")
            cells = [fmt_cell(_measured(model, dataset, s)) for s in SCALES]
            rows.append([name, dataset, *cells])
        for model in [] if plus else list(NAMES):
            cells = [_paper(model, dataset, s) for s in SCALES]
            if any(c != "–" for c in cells):
                rows.append([f"{NAMES[model]}, paper", dataset, *cells])
    return _table(["model", "set", "x2", "x3", "x4"], rows)


def bicubic_table() -> str:
    """Our bicubic baseline beside the published one (Kim et al. 2016, Table 3)."""
    rows = []
    for dataset in DATASETS:
        rows.append(
            [f"{dataset}, ours", *(fmt_cell(_measured("bicubic", dataset, s)) for s in SCALES)]
        )
        rows.append([f"{dataset}, published", *(_paper("bicubic", dataset, s) for s in SCALES)])
    return _table(["set", "x2", "x3", "x4"], rows)


def _published_column(model: str, dataset: str, scale: int) -> str:
    if model == "vdsr_sp":  # no paper of its own: VDSR's PSNR for reference
        cell = published_cells().get(("vdsr", dataset, scale))
        return "–" if cell is None else f"(VDSR) {fmt(cell.psnr, 'published', 'psnr')}"
    text = _paper(model, dataset, scale)
    if model == "srcnn" and text != "–":
        text += " (91 images)"
    return text


def shipped_table(scale: int) -> str:
    """The shipped weights at one scale: plain rows, then the ``+`` rows, with their epochs."""
    rows = []
    for model in ("bicubic", *NETWORKS, *(m + "+" for m in NETWORKS)):
        base = model.removesuffix("+")
        cells = [_measured(model, d, scale) for d in DATASETS]
        name = NAMES[base] + model[len(base) :]
        if cells[0].epochs is not None:
            name += f" ({cells[0].epochs} epochs)"
        published = [_published_column(base, d, scale) if base == model else "–" for d in DATASETS]
        rows.append([name, *(fmt_cell(c) for c in cells), *published])
    header = ["method", *DATASETS, *(f"published {d}" for d in DATASETS)]
    return _table(header, rows)


def render(name: str) -> str:
    """The Markdown table called ``name``: ``headline``, ``headline-plus``, ``bicubic`` or
    ``shipped-x2`` / ``-x3`` / ``-x4``."""
    if name in ("headline", "headline-plus"):
        return headline(plus=name.endswith("plus"))
    if name == "bicubic":
        return bicubic_table()
    match = re.fullmatch(r"shipped-x(\d)", name)
    if match and int(match[1]) in SCALES:
        return shipped_table(int(match[1]))
    raise KeyError(f"no result table called {name!r}")


TABLES = ("headline", "headline-plus", "bicubic", *(f"shipped-x{s}" for s in SCALES))


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, table text) of every marked block in a Markdown document."""
    return [(m[1], m[2]) for m in BLOCK.finditer(text)]


def main() -> int:
    """Print every table between its markers, ready to paste into the docs."""
    for name in TABLES:
        print(f"{BEGIN.format(name=name)}\n{render(name)}\n{END}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
