"""The echo guard: phrases of heard gossip a creature's answer may not repeat.

Small models echo the text in front of them. Once the prompt stopped showing an example answer
(issue 15), what they copied was the gossip the news quotes: SmolLM2 repeated another creature's words
as its thought or gossip in 38% of answers, and the same three words went round the wood for turns
("buy sell buy"). The guard hands the engine, with each request, every run of `ECHO_WORDS` words of
each quoted gossip line (and a shorter line whole), as vLLM's `bad_words`: the sampler then never
writes the last word of such a run after the words before it, so an answer cannot repeat three words
in a row of a quoted line, or two of a line of three words or fewer (`SHORT_RUN`), in the forms guarded:
as written, lowercased, capitalised. The creature may still name the same goods and speak of the same
things. Words of the prompt's own that a model wrote as
its gossip (`GUARDED_LINES`) are guarded the same way, first: Gemma wrote the suggestion heading's
"yours to change" as its gossip in 14 of 360 answers on seeds 97-106. Only that run, not the whole
heading: every phrase counts against the cap, and with the heading's seven runs first, older gossip lost
its guard (seeds 104-106: SmolLM2's gossip copied from the news 0 -> 5 of 120).

    GUARDED_LINES, then view.events (the quoted gossip lines, newest first)
        -> runs of ECHO_WORDS words, as written, lowercased and capitalised
        -> the request's bad_words (at most `limit`: the engine's cap counts token forms)

The words come from the creature's own view, so the guard can hold nothing the prompt does not.
"""

from __future__ import annotations

import re

from engine.mind.view import View, read_said

ECHO_WORDS = 3
"""Words in a row of heard gossip that an answer may not repeat (a two-word line is guarded whole)."""
SHORT_RUN = 2
"""Words in a row of a heard line of `ECHO_WORDS` words or fewer that an answer may not repeat: with the
three-word run banned, two SmolLM2 creatures answered "winter has begun." and "winter has began." to each
other for ten turns (seeds 113-115: 22 of its 35 gossip lines copied from the news, near copies all)."""
DEFAULT_LIMIT = 60
"""Phrases per request by default: vLLM counts each phrase up to twice (with and without a leading
space) against its cap, `VLLM_MAX_NUM_BAD_WORDS`, 128 unless the server was told otherwise."""

GUARDED_LINES = ("yours to change",)
"""Words of the prompt's fixed text (`SUGGESTED_HEAD`'s) that every answer may not write, before any
gossip's runs."""

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _runs(words: str, short: int = SHORT_RUN) -> list[str]:
    """The runs of `ECHO_WORDS` words of one line, each as written (punctuation between kept); of a line of
    `ECHO_WORDS` words or fewer, its runs of `short` words (a two-word line whole); none of one word.

    >>> _runs("Honey is dear, friends!")
    ['Honey is dear', 'is dear, friends']
    >>> _runs("winter has begun."), _runs("buy sell"), _runs("buy!")
    (['winter has', 'has begun'], ['buy sell'], [])
    >>> _runs("yours to change", short=3)
    ['yours to change']
    """
    spans = [m.span() for m in _WORD_RE.finditer(words)]
    if len(spans) < 2:
        return []
    n = ECHO_WORDS if len(spans) > ECHO_WORDS else min(len(spans), short)
    return [words[spans[i][0]:spans[i + n - 1][1]] for i in range(len(spans) - n + 1)]


def _forms(run: str) -> list[str]:
    """A run as written, lowercased and with only its first letter capitalised (each once).

    >>> _forms("Honey is dear"), _forms("buy SELL")
    (['Honey is dear', 'honey is dear'], ['buy SELL', 'buy sell', 'Buy sell'])
    """
    lower = run.lower()
    return list(dict.fromkeys((run, lower, lower[:1].upper() + lower[1:])))


def echo_phrases(view: View, limit: int = DEFAULT_LIMIT) -> list[str]:
    """The phrases an answer to `view` may not write: the runs of `GUARDED_LINES`, then of every gossip
    line its news quotes, the newest line first, in the forms of `_forms`, at most `limit`.

    >>> v = View.model_construct(events=['turn 2: Oona says: "buy sell buy"', "turn 2: honey: 1 sold at 6",
    ...                                  'turn 3: Fennick says: "Honey is dear!"'])
    >>> echo_phrases(v)[2:]  # lines of three words: their runs of two
    ['Honey is', 'honey is', 'is dear', 'Is dear', 'buy sell', 'Buy sell', 'sell buy', 'Sell buy']
    >>> [p for p in echo_phrases(v) if "change" in p]
    ['yours to change', 'Yours to change']
    """
    out: dict[str, None] = {}
    heard = (said[1] for said in map(read_said, reversed(view.events)) if said)
    lines = [(line, ECHO_WORDS) for line in GUARDED_LINES] + [(line, SHORT_RUN) for line in heard]
    for words, short in lines:
        for run in _runs(words, short):
            for form in _forms(run):
                if len(out) >= limit:
                    return list(out)
                out[form] = None
    return list(out)
