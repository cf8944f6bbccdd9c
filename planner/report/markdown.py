"""The report as Markdown (GitHub-flavoured), charts as PNG files in a folder beside it.

Text from the run is escaped so it cannot become a link, an image, raw HTML or a
table break: `\\ ` * [ ] ! |` get a backslash, `& < >` become entities, and line
breaks become spaces. Chart links are relative to the Markdown file.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from planner.report.document import Document, Figures, Heading, Image, Para, TableBlock

_MD_SPECIAL = re.compile(r"([\\`*\[\]!|])")


def md_escape(text: str, line_start: bool = True) -> str:
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"[\r\n\t]+", " ", text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if line_start and text.startswith(("#", "-", "+", "=")):
        text = "\\" + text
    return text


def _table(block: TableBlock) -> str:
    if not block.headers:
        return ""
    lines = [
        "| " + " | ".join(md_escape(h, False) for h in block.headers) + " |",
        "|" + "|".join("---:" if n else "---" for n in block.numeric) + "|",
    ]
    for row in block.rows:
        lines.append("| " + " | ".join(md_escape(v, False) for v in row) + " |")
    text = "\n".join(lines)
    if block.note:
        text += f"\n\n*{md_escape(block.note, False)}*"
    return text


def render_markdown(doc: Document, chart_dir: str) -> str:
    """Markdown text; each chart is linked as `chart_dir/<key>.png` (the caller writes the PNGs)."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + md_escape(block.text, line_start=False))
        elif isinstance(block, Para):
            parts.append(("*" + md_escape(block.text, False) + "*") if block.muted else md_escape(block.text))
        elif isinstance(block, Figures):
            parts.append("\n".join(f"- **{md_escape(k, False)}**: {md_escape(v, False)}" for k, v in block.items))
        elif isinstance(block, TableBlock):
            parts.append(_table(block))
        elif isinstance(block, Image):
            c = block.chart
            link = quote(f"{chart_dir}/{c.key}.png")
            image = f"![{md_escape(c.title, False)}]({link})"
            parts.append(f"{image}\n\n*{md_escape(c.alt, False)}*" if c.alt else image)
    parts.append("---\n\n*" + md_escape(doc.footer, False) + "*")
    return "\n\n".join(p for p in parts if p) + "\n"
