"""Seed and turn lists as people write them on the command line: "1,2,3", "1-5", "1-4,9".

One parser for every command that plays several seasons (eval, compare, distill) or picks several
turns (probe). It doubles as an argparse `type`, so a bad list is refused before anything runs, with
the usage line.
"""

from __future__ import annotations

import argparse
import re
import zlib


SEED_SPACE = 2 ** 32
"""Sampling seeds are taken modulo this (vLLM and OpenAI servers take unsigned 32-bit seeds)."""


def decision_seed(season: int, turn: int, creature: str, offset: int = 0) -> int:
    """The sampling seed of one decision point: the CRC-32 of "season|turn|creature", plus `offset`.

    Derived from the decision alone, so a season or view asked again sends the same requests. Probes
    ask a view's control and variants with offset 0; best-of-n distillation asks candidate i with
    offset i, so one decision's candidates never share a seed.

    >>> decision_seed(1, 3, "Oona"), decision_seed(1, 3, "Oona", 1) - decision_seed(1, 3, "Oona")
    (4168523145, 1)
    """
    return (zlib.crc32(f"{season}|{turn}|{creature}".encode()) + offset) % SEED_SPACE


class SeedsError(argparse.ArgumentTypeError, ValueError):
    """A seed or turn list that is empty, malformed or repeats a number; the message shows the bad part."""


def parse_numbers(text: str, noun: str) -> list[int]:
    """Distinct whole numbers, in the order given, from numbers and ascending ranges; `noun` names them
    in errors ("seed", "turn").

    >>> parse_numbers("3,1-2", "seed")
    [3, 1, 2]
    """
    numbers: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        found = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not found or (found[2] is not None and int(found[2]) < int(found[1])):
            raise SeedsError(f"{part!r} in {text!r} is not a {noun} or a range (use 1,2,3 or 1-5)")
        numbers.extend(range(int(found[1]), int(found[2] or found[1]) + 1))
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise SeedsError(f"{text!r} names {noun} {repeated[0]} twice: give distinct {noun}s")
    return numbers


def parse_seeds(text: str) -> list[int]:
    """Distinct seeds (see `parse_numbers`).

    >>> parse_seeds("3,1-2")
    [3, 1, 2]
    """
    return parse_numbers(text, "seed")


def parse_turns(text: str) -> list[int]:
    """Distinct turns, each 1 or more (see `parse_numbers`).

    >>> parse_turns("4,8-9")
    [4, 8, 9]
    """
    turns = parse_numbers(text, "turn")
    if 0 in turns:
        raise SeedsError(f"{text!r}: turns start at 1")
    return turns
