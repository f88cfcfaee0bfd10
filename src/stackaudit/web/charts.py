"""Charts drawn on the server as SVG: no script, nothing for the CSP to allow, readable offline.

A chart library (uPlot, ECharts) would need script and vendored assets; the dashboard's
charts are three shapes (lines over runs, paired bars, sparklines) that a few lines of
SVG draw exactly. Every label passes through ``markupsafe.escape``; colours are SVG
presentation attributes, not inline CSS, so ``style-src 'self'`` holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = {
    "security": "#c0392b",
    "performance": "#2471a3",
    "scalability": "#7d3c98",
    "supply-chain": "#b9770e",
    "process": "#1e8449",
}
OTHER = "#566573"
NEW_COLOUR, FIXED_COLOUR = "#c0392b", "#1e8449"


def _scale(values: Sequence[float], height: float) -> tuple[float, float]:
    top = max((v for v in values), default=0.0)
    return (top if top > 0 else 1.0), height


def lines(
    series: dict[str, list[float]], labels: Sequence[str], width: int = 640, height: int = 220
) -> Markup:
    """One polyline per series over the same x positions (one per run), with a legend."""
    if not series or not labels:
        return Markup('<p class="muted">No runs to draw yet.</p>')
    pad_l, pad_b, pad_t = 48, 24, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top, _ = _scale([v for values in series.values() for v in values], plot_h)
    step = plot_w / max(1, len(labels) - 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 20 * ((len(series) + 3) // 4)}" role="img" '
        f'aria-label="open risk by category per run" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 10}" y2="{pad_t + plot_h}" stroke="#999"/>',
        f'<text x="4" y="{pad_t + 10}" font-size="11">{top:.0f}</text>',
        f'<text x="4" y="{pad_t + plot_h}" font-size="11">0</text>',
    ]
    for name, values in series.items():
        colour = PALETTE.get(name, OTHER)
        points = " ".join(
            f"{pad_l + i * step:.1f},{pad_t + plot_h - (v / top) * plot_h:.1f}" for i, v in enumerate(values)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">')
        parts.append(f"<title>{escape(name)}: {values[-1]:.0f} now</title></polyline>")
    for i, name in enumerate(series):
        x, y = pad_l + (i % 4) * 150, height + 10 + 20 * (i // 4)
        parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{PALETTE.get(name, OTHER)}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 2}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def paired_bars(pairs: Sequence[tuple[str, int, int]], width: int = 640, height: int = 180) -> Markup:
    """New (red) and fixed (green) findings per run: ``(label, new, fixed)`` oldest first."""
    if not pairs:
        return Markup('<p class="muted">No runs to draw yet.</p>')
    pad_l, pad_b = 40, 20
    plot_h = height - pad_b - 10
    top = max(1, *(max(n, f) for _, n, f in pairs))
    slot = (width - pad_l - 10) / len(pairs)
    bar = max(1.0, slot / 2 - 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 20}" role="img" '
        'aria-label="new and fixed per run" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="4" y="20" font-size="11">{top}</text>',
        f'<text x="4" y="{10 + plot_h}" font-size="11">0</text>',
    ]
    for i, (label, new, fixed) in enumerate(pairs):
        x = pad_l + i * slot
        for j, (value, colour, what) in enumerate(((new, NEW_COLOUR, "new"), (fixed, FIXED_COLOUR, "fixed"))):
            h = value / top * plot_h
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{10 + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)}: {value} {what}</title></rect>'
            )
    parts.append(
        f'<rect x="{pad_l}" y="{height + 2}" width="12" height="12" fill="{NEW_COLOUR}"/>'
        f'<text x="{pad_l + 16}" y="{height + 12}" font-size="12">new</text>'
        f'<rect x="{pad_l + 70}" y="{height + 2}" width="12" height="12" fill="{FIXED_COLOUR}"/>'
        f'<text x="{pad_l + 86}" y="{height + 12}" font-size="12">fixed</text></svg>'
    )
    return Markup("".join(parts))


def sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> Markup:
    if len(values) < 2:
        return Markup("")
    top = max(values) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - v / top * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><polyline fill="none" stroke="{OTHER}" stroke-width="1.5" '
        f'points="{points}"/></svg>'
    )


def bucket_bar(counts: Sequence[int], width: int = 200, height: int = 14) -> Markup:
    """One stacked bar of age buckets (young to old, light to dark)."""
    total = sum(counts)
    if not total:
        return Markup("")
    shades = ("#aed6f1", "#5dade2", "#2874a6", "#1b2631")
    parts = [
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for count, shade in zip(counts, shades, strict=False):
        w = count / total * width
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{shade}"/>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))
