"""One page written twice: as Markdown (for a repository or a pull request) and as HTML (for a browser).

The HTML is a single file with its style inline and its images next to it, referenced by
relative paths, so it opens from disk with no server and no network.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd

HEADING, TEXT, TABLE, IMAGE = "heading", "text", "table", "image"
FLOAT_FORMAT = ".4g"  # enough digits to tell close runs apart
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1600px; padding: 0 1rem; color: #222; }
h1 { border-bottom: 2px solid #444; padding-bottom: .3rem; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .8rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; white-space: nowrap; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1rem 0; }
img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
"""


def _cell(value: object) -> str:
    """Floats to 4 significant digits; a missing value (None, NaN) as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format(value, FLOAT_FORMAT) if isinstance(value, float) else str(value)


@dataclass
class Page:
    """Blocks in reading order: headings, paragraphs, tables and images (file names next to the page)."""

    title: str
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append((HEADING, text))

    def text(self, text: str) -> None:
        self.blocks.append((TEXT, text))

    def table(self, df: pd.DataFrame) -> None:
        self.blocks.append((TABLE, df.map(_cell)))

    def image(self, file_name: str, caption: str) -> None:
        self.blocks.append((IMAGE, (file_name, caption)))

    def markdown(self) -> str:
        parts = [f"# {self.title}"]
        for kind, content in self.blocks:
            if kind == HEADING:
                parts.append(f"## {content}")
            elif kind == TEXT:
                parts.append(str(content))
            elif kind == TABLE:
                parts.append(content.to_markdown(index=False, disable_numparse=True))
            else:
                file_name, caption = content
                parts.append(f"![{caption}]({quote(file_name)})")
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        parts = [f"<h1>{html.escape(self.title)}</h1>"]
        for kind, content in self.blocks:
            if kind == HEADING:
                parts.append(f"<h2>{html.escape(content)}</h2>")
            elif kind == TEXT:
                parts.append(f"<p>{html.escape(content)}</p>")
            elif kind == TABLE:
                parts.append(content.to_html(index=False, border=0))
            else:
                file_name, caption = content
                src, text = html.escape(quote(file_name)), html.escape(caption)
                parts.append(f'<figure><img src="{src}" alt="{text}"><figcaption>{text}</figcaption></figure>')
        body = "\n".join(parts)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )
