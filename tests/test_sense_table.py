"""scripts/sense_table.py: the sense measures of several eval reports side by side."""

import importlib.util
import json
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("sense_table", Path(__file__).parent.parent / "scripts/sense_table.py")
sense_table = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(sense_table)


def _report(folder: Path, coined: int | None) -> Path:
    """An eval's report.json with one model; `coined` None writes one from before the coined measure."""
    gossip = {"copied": 1, "texts": 10, "repeats": 0, "distinct_ratio": 0.8}
    if coined is not None:
        gossip |= {"coined": coined, "coined_share": coined / 10}
    sense = {"needs": {"buys": 4, "buys_short": 2, "meals_missed": 1, "cold_turns": 0, "unmet_affordable": 0,
                       "surplus_units": 3, "surplus_offered": 2, "surplus_sold": 1},
             "sanity": {"absurd": 1, "orders_priced": 8},
             "voice": {"thinking": {"copied": 0, "texts": 10, "repeats": 1}, "gossip": gossip}}
    models = {"m": {"answers": 10, "faults": 0, "sense": sense, "top_repairs": [["cut_off", 1]],
                    "tokens_per_answer": 42.0},
              "scripted:cautious": {"answers": 10}}
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps({"models": models}))
    return folder


def test_the_gossip_coined_column_follows_gossip_repeats_and_older_reports_read_as_not_measured(tmp_path, capsys):
    head = sense_table.HEAD
    assert head.index("gossip coined") == head.index("gossip repeats") + 1
    new, old = _report(tmp_path / "new", 3), _report(tmp_path / "old", None)
    assert sense_table.main([f"new={new}", f"old={old}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4  # header, rule, one row per report (the scripted model is left out)
    cells = [dict(zip(head, line[2:-2].split(" | "))) for line in lines[2:]]
    assert [c["run"] for c in cells] == ["new", "old"]
    assert [c["gossip coined"] for c in cells] == ["3/10 (30%)", "n/a"]  # not measured is not 0
    assert [c["gossip repeats"] for c in cells] == ["0/10 (0%)", "0/10 (0%)"]
    assert cells[0]["distinct gossip"] == "0.80" and cells[0]["cut off"] == "1"
