"""A compliance chart as SVG markup, drawn on the server for PDF reports.

No JavaScript and no plotting library: bars for each period's compliance,
a dashed line at the target, labels under the bars. A period without tickets
has no bar and reads "-". Every word comes from the caller, translated there:
this module holds no text of its own.
"""

import math
from xml.sax.saxutils import escape

WIDTH = 720
HEIGHT = 240
TOP = 16
BOTTOM = 40  # room for the labels
LEFT = 40
RIGHT = 8
GREEN = "#2e7d32"
RED = "#c62828"
GREY = "#9e9e9e"


def _y(value):
    """Vertical position of a percentage (0 at the bottom, 100 at the top)."""
    plot = HEIGHT - TOP - BOTTOM
    return TOP + plot * (100.0 - max(0.0, min(100.0, value))) / 100.0


def _whole_percent(value):
    """A bar's label: whole percent, cut (never rounded up), so that a bar
    below the target never reads as the target (94.6 is 94%, not 95)."""
    return f"{math.floor(round(value, 9))}%"


def compliance_chart(points, target, target_label):
    """SVG of ``points``, a list of ``(label, percent or None)`` in time
    order, against ``target`` percent: bars at or above it are green, below
    it red. ``target_label`` names the dashed target line, e.g. "target 95%"
    in the reader's language."""
    count = max(len(points), 1)
    slot = (WIDTH - LEFT - RIGHT) / count
    bar = slot * 0.6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="sans-serif" font-size="11" '
        'style="max-width: 100%; height: auto">'
    ]
    for tick in (0, 50, 100):
        y = _y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#e0e0e0"/><text x="{LEFT - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end" fill="{GREY}">{tick}%</text>'
        )
    for index, (label, value) in enumerate(points):
        x = LEFT + slot * index + (slot - bar) / 2
        centre = x + bar / 2
        if value is not None:
            top = _y(value)
            colour = GREEN if value >= target else RED
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{_y(0) - top:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {value:.1f}%</title></rect>"
                f'<text x="{centre:.1f}" y="{top - 3:.1f}" text-anchor="middle">'
                f"{_whole_percent(value)}</text>"
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{_y(0) - 3:.1f}" text-anchor="middle" '
                f'fill="{GREY}">-</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    y = _y(target)
    parts.append(
        f'<line class="target" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{y:.1f}" stroke="#1565c0" stroke-dasharray="6 4"/>'
        f'<text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" '
        f'fill="#1565c0">{escape(target_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
