"""The progress bar of a run: counts, and a tqdm bar where someone watches."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Progress", "in_notebook"]


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (JupyterLab, VS Code, Colab).

    Returns
    -------
    bool
        True when IPython's current shell is a kernel's shell. A module that merely imported
        ``ipykernel`` (a test runner, a script using nbclient) does not count.
    """
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return shell is not None and any(
        cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__
    )


class Progress:
    """Counts and an optional tqdm bar (imported only when shown).

    Parameters
    ----------
    total : int
        Rows in the run.
    show : bool or None
        Show the bar; ``None``: only in a terminal or a notebook.
    """

    def __init__(self, total: int, show: bool | None) -> None:
        self.done = self.failed = self.retrying = 0
        self.bar: Any = None
        if show is None:
            # A bar where someone watches: a terminal or a notebook; never into captured output.
            show = total > 0 and (in_notebook() or sys.stderr.isatty())
        if show:
            # Deferred: tqdm.auto loads its notebook front end (ipywidgets) in a notebook; only
            # worth it when a bar is shown.
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="row", desc="PATCH", file=sys.stderr, leave=True)

    def update(self, landed: int = 0) -> None:
        """Refresh the counts and advance the bar by ``landed`` rows."""
        if self.bar is not None:
            self.bar.set_postfix(
                done=self.done, failed=self.failed, retrying=self.retrying, refresh=False
            )
            self.bar.update(landed)

    def close(self) -> None:
        """Show the final counts and close the bar."""
        if self.bar is not None:
            self.update()
            self.bar.close()
