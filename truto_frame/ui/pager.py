"""A paged table of the notebook preview: a title, Prev / Next, and one page of HTML rows.

The rows and their HTML come from :mod:`truto_frame.ui.tables`; the pager only pages.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from .tables import page_bounds, page_label

__all__ = ["Pager", "set_visible"]


def set_visible(widget: Any, visible: bool) -> None:
    """Show or hide an ipywidget (hidden takes no room).

    Parameters
    ----------
    widget : ipywidgets.Widget
        The widget.
    visible : bool
        Whether to show it.
    """
    widget.layout.display = None if visible else "none"


class Pager:
    """A titled HTML table with Prev / Next and a "rows 1-50 of 3,000" label.

    Parameters
    ----------
    w : module
        ``ipywidgets`` (imported by the caller, as it is an optional extra).
    title : str
        The table's title (escaped).
    render : callable
        Rows of one page -> the table's HTML.
    size : int
        Rows per page.
    """

    def __init__(
        self, w: Any, title: str, render: Callable[[Sequence[Any]], str], size: int
    ) -> None:
        self._render = render
        self._size = size
        self.rows: Sequence[Any] = []
        self.page = 0
        self.title = w.HTML()
        self.label = w.Label()
        self.table = w.HTML()
        self.prev = w.Button(description="◀ Prev", layout={"width": "90px"})
        self.next = w.Button(description="Next ▶", layout={"width": "90px"})
        self.prev.on_click(lambda _b: self.show(self.page - 1))
        self.next.on_click(lambda _b: self.show(self.page + 1))
        self._title = title
        self.box = w.VBox([self.title, w.HBox([self.prev, self.label, self.next]), self.table])

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show these rows, from the first page.

        Parameters
        ----------
        rows : sequence
            Every row of the table.
        """
        self.rows = rows
        self.show(0)

    def show(self, page: int) -> None:
        """Show one page (clamped to the pages there are).

        Parameters
        ----------
        page : int
            The page, from 0.
        """
        total = len(self.rows)
        self.page, start, stop = page_bounds(total, page, self._size)
        self.title.value = f"<h4 style='margin:8px 0 2px'>{html.escape(self._title)}</h4>"
        self.label.value = page_label(start, stop, total)
        self.prev.disabled = self.page == 0
        self.next.disabled = stop >= total
        self.table.value = self._render(self.rows[start:stop]) if total else ""
