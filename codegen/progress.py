"""Progress bars for long work on a terminal (rich): migrating many changesets. Nothing is drawn
when stderr is not a terminal (CI, logs, pipes), so captured output stays plain lines."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

Advance = Callable[[int, int], None]


@contextlib.contextmanager
def progress_bar(title: str, *, enabled: bool | None = None) -> Iterator[Advance | None]:
    """Yields ``advance(position, total)`` for a bar on stderr, or None when no bar is drawn."""
    if not (sys.stderr.isatty() if enabled is None else enabled):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=None)

        def advance(position: int, total: int) -> None:
            bar.update(task, completed=position, total=total)

        yield advance
