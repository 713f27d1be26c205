"""Measuring councils: evaluation reports, heterogeneous-versus-homogeneous comparisons, open traces.

    seasons (played headless, one traces file each, resumable) -> figures (from traces + summaries)
        -> report.md / report.json / charts/*.png

- `season.py`   one season played with per-turn series, and the resumable per-season store;
- `figures.py`  pure figures from trace rows and season records (action mixes, entropy, divergence,
                latency quantiles, volatility);
- `sense.py`    whether one answer makes sense: needs, sanity, voice, and a score for ranking answers;
- `sense_figures.py` those measures summed per model and per trader;
- `report.py`   `tokenwood eval`: play the seeds, write the report;
- `compare.py`  `tokenwood compare`: one heterogeneous council against homogeneous ones, and a verdict;
- `charts.py`   PNG charts (matplotlib, optional: without it the report says charts were skipped);
- `probes.py`   counterfactual probes: one fact of a view changed, and the pre-declared score of a pair;
- `probe_run.py` `tokenwood probe`: collect views, ask control and variants with one seed, sign-test;
- `export.py`   `tokenwood traces export`: traces -> an open dataset folder, firewall-checked.

Every file is written atomically; a user error is one `EvalError` whose message says what is wrong.
"""

from __future__ import annotations

from engine.lab.evaluation.errors import EvalError

__all__ = ["EvalError"]
