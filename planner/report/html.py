"""The report as one self-contained HTML file: charts embedded as data: URIs, no network.

A Content-Security-Policy meta tag forbids every fetch except inline styles and
`data:` images, so even a hostile value in the inputs cannot make the page load
anything. Every piece of text is HTML-escaped. The layout reads on a phone (fluid
width, scrolling tables) and prints on A4 (no page breaks inside figures or rows).
"""

from __future__ import annotations

import base64
from html import escape

from planner.report.document import Document, Figures, Heading, Image, Para, TableBlock

NUM, ID, TEXT, MUTED = ' class="num"', ' class="id"', ' class="text"', ' class="muted"'
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
:root { --ink:#1d2330; --muted:#5b6577; --line:#d9dee7; --accent:#0072B2; --bg:#ffffff; --band:#f4f6fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.55rem; margin: .4rem 0 .6rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p.muted, footer { color: var(--muted); font-size: .85rem; }
dl.figures { display:grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap:8px; margin: 0; }
dl.figures div { background: var(--band); border-radius: 6px; padding: 8px 10px; break-inside: avoid; }
dl.figures dt { color: var(--muted); font-size: .8rem; }
dl.figures dd { margin: 0; font-weight: 600; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--band); position: sticky; top: 0; }
td.id { white-space: nowrap; }
td.text { min-width: 14em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
@media (max-width: 600px) { body { font-size: 14px; } main { padding: 10px; } table { font-size: .78rem; } }
@media print { body { font-size: 10pt; } main { max-width: none; padding: 0; } .scroll { overflow: visible; }
               h2 { break-after: avoid; page-break-after: avoid; } th { position: static; } }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _table(block: TableBlock) -> str:
    head = "".join(f'<th{NUM if n else ""} scope="col">{escape(h)}</th>' for h, n in zip(block.headers, block.numeric))
    kinds = [
        NUM
        if n
        else ID
        if h in ("option", "option_id", "partner_id", "sector_id", "gap_id")
        else TEXT
        if h in ("name", "rationale", "description")
        else ""
        for h, n in zip(block.headers, block.numeric)
    ]
    body = []
    for row in block.rows:
        cells = "".join(f"<td{k}>{escape(v)}</td>" for v, k in zip(row, kinds))
        body.append(f"<tr>{cells}</tr>")
    note = f'<p class="muted">{escape(block.note)}</p>' if block.note else ""
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{note}'
    )


def render_html(doc: Document) -> str:
    """The whole page as a string (UTF-8 when written)."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{escape(block.anchor)}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            parts.append(f"<p{MUTED if block.muted else ''}>{escape(block.text)}</p>")
        elif isinstance(block, Figures):
            items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in block.items)
            parts.append(f'<dl class="figures">{items}</dl>')
        elif isinstance(block, TableBlock):
            parts.append(_table(block))
        elif isinstance(block, Image):
            c = block.chart
            parts.append(f'<figure><img src="{data_uri(c.png)}" alt="{escape(c.title + ": " + c.alt)}"></figure>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="partnership-planner">\n'
        f"<title>{escape(doc.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + f"\n<footer><p>{escape(doc.footer)}</p></footer>\n</main>\n</body>\n</html>\n"
    )
