"""Python's cycle collector kept off the keys' backs: paused while a turn is decided, run once after it.

    brains awake   -> settle()   what is alive now (the app, the imports, the model engines) is set aside
                                 for good (`gc.freeze`): no later collection walks it again (woken
                                 again, what was set aside is collected first)
    turn started   -> pause()    the automatic collector stops (reference counting still frees all
                                 garbage without cycles, which is nearly all of it)
    turn over      -> resume()   the collector is on again and runs once, after the board was painted
    app closed     -> release()  the collector as it was found (on, nothing set aside)

Why: while four answers stream onto the board, Textual allocates many short-lived render objects
(strips, each with its caches), and the collector's full passes came every second or two, each
walking every object the process holds: 100 to 260 ms of CPU on the 2-core development machine
(under load), which is what a key press pressed then waited for (benchmarks/ui_stream_latency.py).
With the vLLM stack in the process (the embedded council) the heap holds over 600,000 objects and
one full pass took 336 ms there. Textual does the same for smooth scrolling (`App.PAUSE_GC_ON_SCROLL`).
"""

from __future__ import annotations

import gc


class Collector:
    """One app's say over the cycle collector (the collector is the process's: one app at a time)."""

    def __init__(self) -> None:
        self.paused = False
        """Whether this app turned the automatic collector off (and must turn it on again)."""
        self.settled = False
        """Whether this app set the heap aside (`gc.freeze`), to be given back on release."""

    def settle(self) -> None:
        """Set every object alive now aside for good: later passes walk only what comes after.

        Settling again (the brains woke again, for a loaded save's council) first gives back what was
        set aside and collects it in full, so the engines closed since are not kept forever.
        """
        if self.settled:
            gc.unfreeze()
            gc.collect()
        gc.freeze()
        self.settled = True

    def pause(self) -> None:
        """Stop the automatic collector (if it is on) until `resume`."""
        if gc.isenabled():
            gc.disable()
            self.paused = True

    def resume(self) -> None:
        """Turn the automatic collector on again if `pause` turned it off, and run it once now."""
        if self.paused:
            gc.enable()
            self.paused = False
            gc.collect()

    def release(self) -> None:
        """Leave the collector as this app found it: on, and nothing set aside."""
        if self.paused:
            gc.enable()
            self.paused = False
        if self.settled:
            gc.unfreeze()
            self.settled = False
