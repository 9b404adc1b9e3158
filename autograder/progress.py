"""A one-line progress bar for a run of jobs: done, failed, time left."""
from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """A one-line progress bar: jobs done, failures, time left.

    Parameters
    ----------
    total : int
        Number of jobs.
    jobs : int
        Number of workers (only shown).
    stream : file, optional
        Where to write; default ``sys.stderr``. On a terminal the line is
        redrawn in place; otherwise one line is printed per finished job, so
        logs stay readable.
    label : str
        Word for the things being processed, e.g. ``"submissions"``.

    Notes
    -----
    The time left is ``elapsed / done * (total - done)``: each worker's mean
    job time is assumed to hold for the rest.
    """

    def __init__(self, total: int, jobs: int = 1, stream: TextIO | None = None,
                 label: str = "jobs", width: int = 24):
        self.total, self.jobs, self.label, self.width = total, jobs, label, width
        self.stream = sys.stderr if stream is None else stream
        self.done = self.failures = 0
        self.started = time.monotonic()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def time_left(self) -> float | None:
        """Estimated seconds left, or ``None`` before the first job finishes."""
        if self.done == 0:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        """The progress line, e.g. ``[######......] 3/12 submissions, 1 failed, ~0:41 left``."""
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        left = self.time_left()
        eta = "?" if left is None else _clock(left)
        return (f"[{bar}] {self.done}/{self.total} {self.label}, {self.failures} failed, "
                f"~{eta} left ({self.jobs} workers)")

    def update(self, failed: bool, note: str = "") -> None:
        """Count one finished job and redraw."""
        self.done += 1
        self.failures += bool(failed)
        if self.is_tty:
            self.stream.write("\r\x1b[K" + self.line())
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.line()}  {note}".rstrip() + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
