"""The SVG canvas: sizes, the stylesheet, and boxes, text and arrows at fixed coordinates.

Hand-written SVG: no fonts are measured (monospace, 0.6 em a character), so the same
drawing calls always give the same bytes. Items are kept in drawing order, except frames,
which go behind everything drawn so far.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

FONT = 12  # px, labels
CHAR = 7.2  # px, a monospace character at FONT
LINE = 15  # px between the lines of a box
PAD = 10  # px, text inside a box
ROW = 28  # px, one state tensor
BOX = 22  # px, a one-line box
GAP = 56  # px between the columns (room for arrows)
MARGIN = 16

STYLE = """
text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; fill: #111827; }
.title { font-size: 14px; font-weight: bold; }
.note { fill: #4b5563; }
.index { fill: #6b7280; }
.frame { fill: none; stroke: #9ca3af; stroke-dasharray: 6 4; }
.input { fill: #f3f4f6; stroke: #374151; }
.cell { fill: #dbeafe; stroke: #1d4ed8; }
.state { fill: #fef3c7; stroke: #b45309; }
.returned { fill: #dcfce7; stroke: #15803d; }
.absent { stroke-dasharray: 4 3; }
.arrow { fill: none; stroke: #374151; stroke-width: 1.2; marker-end: url(#head); }
.block { fill: #f9fafb; stroke: #6b7280; }
.blockname { font-weight: bold; }
.op { fill: #ede9fe; stroke: #6d28d9; }
.attention { fill: #fce7f3; stroke: #be185d; }
.arrow.attention { fill: none; stroke: #be185d; stroke-dasharray: 5 3; }
"""

_MARKER = (
    '<marker id="head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">'
    '<path d="M0,0 L8,4 L0,8 z" fill="#374151"/></marker>'
)

Point = tuple[int, int]


def text_width(lines: list[str]) -> int:
    """The width of a box that holds the longest of these lines."""
    return int(max(len(line) for line in lines) * CHAR + 0.999) + 2 * PAD


def _rect(cls: str, x: int, y: int, w: int, h: int, rx: int) -> str:
    return f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"/>'


class Canvas:
    """SVG items in drawing order."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def box(
        self,
        x: int,
        y: int,
        w: int,
        h: int,
        cls: str,
        lines: list[str],
        *,
        index: str | None = None,
    ) -> None:
        """A rounded box, its lines centred vertically, `#index` right of it if given."""
        self.items.append(_rect(cls, x, y, w, h, 4))
        top = y + (h - LINE * (len(lines) - 1)) // 2 + 4
        for i, line in enumerate(lines):
            self.text(x + PAD, top + i * LINE, line)
        if index is not None:
            self.text(x + w + 6, top, f"#{index}", cls="index")

    def frame(self, cls: str, x: int, y: int, w: int, h: int, rx: int) -> None:
        """A frame behind everything drawn so far (drawn once its contents are placed)."""
        self.items.insert(0, _rect(cls, x, y, w, h, rx))

    def text(
        self,
        x: int,
        y: int,
        text: str,
        *,
        cls: str | None = None,
        anchor: str | None = None,
    ) -> None:
        attrs = f' class="{cls}"' if cls else ""
        attrs += f' text-anchor="{anchor}"' if anchor else ""
        self.items.append(f'<text x="{x}" y="{y}"{attrs}>{escape(text)}</text>')

    def arrow(
        self, points: list[Point], *, dashed: bool = False, cls: str | None = None
    ) -> None:
        """A polyline through the points with an arrow head at the last; `cls` adds a
        class (an attention's memory: "attention")."""
        (x0, y0), rest = points[0], points[1:]
        d = f"M{x0},{y0}" + "".join(f" L{x},{y}" for x, y in rest)
        cls = " ".join(
            ["arrow", *(["absent"] if dashed else []), *([cls] if cls else [])]
        )
        self.items.append(f'<path class="{cls}" d="{d}"/>')

    def returned(
        self, x: int, w: int, cy: int, line: str, index: int, path: list[Point]
    ) -> None:
        """A returned tensor's box, centred on `cy`, numbered, with the arrow into it."""
        self.box(x, cy - BOX // 2, w, BOX, "returned", [line], index=str(index))
        self.arrow(path)


def document(name: str, canvas: Canvas, width: int, height: int, what: str) -> str:
    """The canvas as a standalone SVG document titled `name`, labelled `name: what`."""
    label = quoteattr(f"{name}: {what}")
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label={label}>',
            f"<title>{escape(name)}</title>",
            f"<style>{STYLE}</style>",
            f"<defs>{_MARKER}</defs>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *canvas.items,
            "</svg>",
            "",
        ]
    )
