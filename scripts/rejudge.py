"""Score a distillation's judged seasons again, as the code now defines the measures; nothing is played.

    python scripts/rejudge.py DIR        # DIR: a `tokenwood distill --out DIR` (its judge/ folder) or judge/

Prints the judge's format table, the decision-measure table and both verdicts (docs/DISTILL.md, step 5),
in the Markdown the distill report uses. Use it when a measure's definition changed after a run
(docs/distill-gen6.md was re-scored so).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.lab.distill.judge import rescore, sense_table, table  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    folder = Path(argv[0])
    if (folder / "judge").is_dir():
        folder = folder / "judge"
    try:
        j = rescore(folder)
    except ValueError as exc:
        print(f"rejudge: {exc}", file=sys.stderr)
        return 1
    print("\n".join([*table(j["teacher"], j["student"], j.get("base")), "",
                     f"**Verdict: {j['verdict']['text']}.**", "",
                     *sense_table(j["teacher"], j["student"], j.get("base")), "", f"{j['sense_verdict']['text']}."]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
