"""Progress on stderr: a live bar on a terminal, plain lines in a log (CI, `make test | tee`).

    bar = Progress(40, "season", unit="turn")      a tqdm bar if the stream is a terminal, else lines
    bar.update(1, note="trades 3")                 one step done; `note` says what it did
    bar.stage(35, "converting to bfloat16")        a stage of a longer job (percent done, what now)
    bar.close()                                    (or `with Progress(...) as bar:`)

On a terminal the bar redraws itself in place. Anywhere else a redraw would be a carriage return that
a log keeps, so a log fills with one run-on line of repeated frames; there one plain line is written
per meaningful change instead: each new stage, and each step that reaches a new whole percent (so
every step when there are 100 or fewer, and at most about 100 lines for a long job):

    season: 3/40 turns (8%) trades 3
    smollm2-135m: 35% converting to bfloat16 (about a minute)
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """A count of steps toward `total`, shown as a tqdm bar on a terminal and as plain lines elsewhere."""

    def __init__(self, total: int, desc: str, *, unit: str = "step", initial: int = 0, file: TextIO | None = None,
                 terminal: bool | None = None, leave: bool = True, percent: bool = False) -> None:
        """`terminal` None: whether `file` (default stderr) is one. `percent`: the count is a percentage
        (a job of stages), shown as `35%` rather than `35/100`. `leave`: keep the bar when it closes."""
        self.total, self.desc, self.unit, self.percent = max(0, total), desc, unit, percent
        self.n = initial
        self.note = ""
        self.file = file if file is not None else sys.stderr
        self.terminal = _is_terminal(self.file) if terminal is None else terminal
        self._bar = None
        self._shown: tuple[int, str] | None = None
        if self.terminal:
            from tqdm import tqdm

            fmt = "{desc:<14} {bar} {n_fmt}% {postfix}" if percent else None
            self._bar = tqdm(total=self.total, initial=initial, desc=desc, unit=unit, file=self.file,
                             leave=leave, **({"bar_format": fmt} if fmt else {}))

    def update(self, n: int = 1, note: str | None = None) -> None:
        """`n` more steps done; `note` (kept until the next one) says what the last step did."""
        self.n += n
        if note is not None:
            self.note = note
        if self._bar is not None:
            self._bar.update(n)
            if note is not None:
                self._bar.set_postfix_str(note)
        elif self._whole_percent() != self._shown_percent:
            self._line()

    def stage(self, n: int, note: str) -> None:
        """The job reached `n` of `total` and is now doing `note` (a plain line for every new stage)."""
        self.n, changed = n, note != self.note
        self.note = note
        if self._bar is not None:
            self._bar.n = n
            self._bar.set_postfix_str(note)
            self._bar.refresh()
        elif changed or self._whole_percent() != self._shown_percent:
            self._line()

    def close(self) -> None:
        """Close the bar (a log gets a last line if the count moved since its last one)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._shown is not None and self._shown != (self._whole_percent(), self.note):
            self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def _shown_percent(self) -> int | None:
        return self._shown[0] if self._shown is not None else None

    def _whole_percent(self) -> int:
        return int(100 * self.n / self.total) if self.total else 100

    def _line(self) -> None:
        done = f"{self.n}%" if self.percent else \
            f"{self.n}/{self.total} {self.unit}{'s' if self.total != 1 else ''} ({self._whole_percent()}%)"
        print(f"{self.desc}: {done}{' ' + self.note if self.note else ''}", file=self.file, flush=True)
        self._shown = (self._whole_percent(), self.note)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: not a terminal
        return False
