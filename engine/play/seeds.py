"""Seed lists as people write them on the command line: "1,2,3", "1-5", "1-4,9".

One parser for every command that plays several seasons (eval, compare, distill). It doubles as an
argparse `type`, so a bad list is refused before anything runs, with the usage line.
"""

from __future__ import annotations

import argparse
import re


class SeedsError(argparse.ArgumentTypeError, ValueError):
    """A seed list that is empty, malformed or repeats a seed; the message shows the bad part."""


def parse_seeds(text: str) -> list[int]:
    """Distinct seeds, in the order given, from numbers and ascending ranges.

    >>> parse_seeds("3,1-2")
    [3, 1, 2]
    """
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        found = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not found or (found[2] is not None and int(found[2]) < int(found[1])):
            raise SeedsError(f"{part!r} in {text!r} is not a seed or a range (use 1,2,3 or 1-5)")
        seeds.extend(range(int(found[1]), int(found[2] or found[1]) + 1))
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise SeedsError(f"{text!r} names seed {repeated[0]} twice: give distinct seeds")
    return seeds
