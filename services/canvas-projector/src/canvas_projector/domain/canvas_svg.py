"""The Business Model Canvas as one standalone SVG (the download): the nine blocks in the standard layout, each
item marked with its approach's colour and letter, and a legend. Pure; the words are handed in."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from textwrap import wrap

from canvas_projector.domain.canvas import APPROACHES, LAYOUT, Canvas

#: Approach colours (Okabe-Ito, colour-blind safe) and the letter printed beside each item (no colour needed).
COLOURS = {"dtsen": "#0072B2", "csr": "#D55E00", "social-enterprise": "#009E73", "triple-helix": "#CC79A7"}
LETTERS = {"dtsen": "D", "csr": "C", "social-enterprise": "S", "triple-helix": "T"}

COLUMN, ROW, PAD, LINE = 124, 300, 10, 15
ROWS_HEIGHT = (ROW, ROW, 200)


def _lines(text: str, columns: int) -> list[str]:
    return wrap(text, max(12, columns * COLUMN // 7 - 4)) or [""]


def canvas_svg(canvas: Canvas, lang: str, titles: dict[str, str], approach_names: dict[str, str],
               heading: str, footer: Sequence[str] = ()) -> str:
    """`titles`: block -> its name; `approach_names`: approach -> its name in `lang`."""
    width = 10 * COLUMN
    top = 44
    grid_height = sum(ROWS_HEIGHT)
    height = top + grid_height + 40 + 18 * len(footer)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" font-family="sans-serif" role="img" aria-label="{escape(heading)}">',
           f'<title>{escape(heading)}</title><rect width="100%" height="100%" fill="#fff"/>',
           f'<text x="{PAD}" y="28" font-size="20" font-weight="bold">{escape(heading)}</text>']
    for cell in LAYOUT:
        x = (cell.column - 1) * COLUMN
        y = top + sum(ROWS_HEIGHT[: cell.row - 1])
        w, h = cell.columns * COLUMN, sum(ROWS_HEIGHT[cell.row - 1: cell.row - 1 + cell.rows])
        out.append(f'<g class="block" data-block="{cell.block}"><rect x="{x}" y="{y}" width="{w}" height="{h}" '
                   f'fill="#fff" stroke="#1b1f24"/><text x="{x + PAD}" y="{y + 22}" font-size="14" '
                   f'font-weight="bold">{escape(titles[cell.block])}</text>')
        line_y = y + 44
        for item in canvas.blocks[cell.block]:
            if line_y > y + h - LINE:
                out.append(f'<text x="{x + PAD}" y="{y + h - 6}" font-size="11">\u2026</text>')
                break
            colour = COLOURS[item.approach]
            out.append(f'<rect x="{x + PAD}" y="{line_y - 11}" width="14" height="14" fill="{colour}"/>'
                       f'<text x="{x + PAD + 7}" y="{line_y}" font-size="10" fill="#fff" text-anchor="middle">'
                       f'{LETTERS[item.approach]}</text>')
            for text in _lines(item.text(lang), cell.columns):
                if line_y > y + h - 6:
                    break
                out.append(f'<text x="{x + PAD + 20}" y="{line_y}" font-size="11">{escape(text)}</text>')
                line_y += LINE
            line_y += 6
        out.append("</g>")
    legend_y = top + grid_height + 26
    x = PAD
    for approach in APPROACHES:
        name = approach_names[approach]
        out.append(f'<rect x="{x}" y="{legend_y - 11}" width="14" height="14" fill="{COLOURS[approach]}"/>'
                   f'<text x="{x + 7}" y="{legend_y}" font-size="10" fill="#fff" text-anchor="middle">'
                   f'{LETTERS[approach]}</text><text x="{x + 20}" y="{legend_y}" font-size="12">{escape(name)}</text>')
        x += 30 + 8 * len(name)
    for n, line in enumerate(footer):
        out.append(f'<text x="{PAD}" y="{legend_y + 22 + 18 * n}" font-size="11" fill="#4a5561">{escape(line)}</text>')
    out.append("</svg>")
    return "".join(out)
