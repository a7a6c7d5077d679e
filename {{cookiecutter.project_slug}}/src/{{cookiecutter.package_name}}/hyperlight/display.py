"""Tables and figures for people: rendered inline in a notebook, printed or saved elsewhere.

IPython loads only when the code already runs inside it: scripts and Ray workers never need it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def in_notebook() -> bool:
    """True inside a Jupyter kernel (Colab included), where output renders inline."""
    ipython = sys.modules.get("IPython")  # a kernel has imported it; a plain interpreter has not
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show_table(df: pd.DataFrame) -> None:
    """The rich table in a notebook, every column as text elsewhere."""
    if in_notebook():
        from IPython.display import display

        display(df)
    else:
        print(df.to_string(), flush=True)


def show_figure(fig: Figure, path: str | Path | None = None) -> Path | None:
    """Save the figure when given a path, and render it in a notebook; returns the saved path.

    It is rendered as PNG bytes, so it shows whatever matplotlib backend the kernel runs.
    """
    saved = None
    if path is not None:
        saved = Path(path)
        saved.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(saved, dpi=100)
    if in_notebook():
        from IPython.display import display

        display(figure_image(fig))
    return saved


def figure_image(fig: Figure) -> Any:
    """The figure as an IPython PNG Image: PNG bytes show whatever matplotlib backend the kernel runs."""
    from IPython.display import Image

    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    return Image(data=png.getvalue())


class LiveOutput:
    """One output of a notebook cell, redrawn in place by each `show`: a table that grows per epoch does not scroll.

    The first `show` displays with a display_id; later ones update that output (IPython's display handle).
    """

    def __init__(self) -> None:
        self._handle: Any = None

    def show(self, obj: Any) -> None:
        if self._handle is None:
            from IPython.display import display

            self._handle = display(obj, display_id=True)
        else:
            self._handle.update(obj)
