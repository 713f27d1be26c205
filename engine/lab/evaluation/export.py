"""`tokenwood traces export`: games' traces -> an open dataset folder, checked before anything is written.

    traces files -> rows (one per trader per turn, typed the same in every row)
        -> checks: firewall scan of every prompt, canaries in every field, thinking only in its own row
        -> OUT/traces.jsonl + OUT/README.md (the dataset card), written atomically

The folder loads with the `datasets` library's JSON loader:
`load_dataset("json", data_files="OUT/traces.jsonl")`. Every row has the same fields with the same
scalar types and no nulls, because that loader fixes the schema from the first block of the file: a
field empty or null in every early row would otherwise be typed `null` and refuse later values. So the
parsed answer (whose shape differs between creatures and the Patron), the situation and every list are
JSON strings.
A check that fails refuses the whole export and names the file, line and field.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.core import firewall
from engine.core.refusals import refusal_code
from engine.core.scenario import PATRON
from engine.lab.evaluation.errors import EvalError
from engine.play.saves import write_atomic

MIN_THOUGHT = 20
"""Private thoughts shorter than this many characters are not searched for elsewhere (too common)."""

FIELDS: dict[str, tuple[str, str]] = {
    "game": ("string", "Which game the row comes from (the traces file's season folder, e.g. `seed-3`, or its file "
                       "name)."),
    "turn": ("int64", "The turn decided (1 is the season's first)."),
    "creature": ("string", "The trader who decided: a creature's name, or `Patron`."),
    "model": ("string", "The model id behind the trader, or `scripted:<temperament>` for a scripted brain."),
    "prompt": ("string", "Exactly what the trader was sent: built from its own view and passed by the firewall."),
    "raw": ("string", "The raw answer text, exactly as the brain produced it (empty when it faulted)."),
    "parsed": ("string", "JSON: the valid actions after parse and repair (empty string when no answer was parsed). "
                         "Creatures: thinking, orders, cancel, gossip, accept, decline; the Patron also lend, tip, "
                         "short, cover, bribe, legend."),
    "repairs": ("string", "JSON list: names of the repair steps the parser applied, in order."),
    "dropped": ("string", "JSON list: actions the parser dropped, each `where` (e.g. orders[1]), `reason`, `value`."),
    "refused": ("string", "JSON list: actions the rules refused, each `where`, `code` (one of "
                          "`engine.core.refusals.REFUSAL_CODES`, e.g. self_buy) and `detail` (in words)."),
    "thinking": ("string", "The trader's private thought this turn; only ever in its own row."),
    "latency_s": ("float64", "Seconds the brain took."),
    "tokens": ("int64", "Tokens generated, where the backend knows (0 for scripted brains)."),
    "fault": ("string", "Why no answer came (timeout, engine error); empty when it answered."),
    "fault_kind": ("string", "The fault's kind (one of `engine.brains.base.FAULT_KINDS`, e.g. timeout, refused); "
                             "empty when it answered or when the traces predate kinds."),
    "leak": ("string", "JSON list: firewall hits that stopped the prompt; always `[]` in an export."),
    "situation": ("string", "JSON: the trader's own situation when it decided, from the view its prompt was built "
                            "from (me, produces, rate, pebbles, goods, last prices, meals, foods, fuel, burn, "
                            "burn_next, hoard_limits, hunger, cold); empty string in rows of traces that predate it."),
}
"""Every field of an exported row: (type, meaning). The dataset card is written from this table."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    folder: Path
    """The dataset folder."""
    rows: int
    """Rows written."""
    games: list[str]
    """Game ids, in input order."""
    models: dict[str, int]
    """Rows per model."""


def _game_id(path: Path, taken: set[str]) -> str:
    """`seed-3` for .../seed-3/traces.jsonl, `hetero/seed-3` inside an evaluation's seasons folder, else the stem."""
    base = path.stem
    if path.name == "traces.jsonl":
        base = path.parent.name
        if path.parent.parent.name == "seasons" and path.parent.parent.parent.name:
            base = f"{path.parent.parent.parent.name}/{base}"
    gid, n = base or "game", 2
    while gid in taken:
        gid, n = f"{base}-{n}", n + 1
    taken.add(gid)
    return gid


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(rec: dict, game: str, where: str) -> dict:
    """One trace record -> one dataset row with fixed types; a malformed record is an `EvalError`."""
    try:
        parsed = rec.get("parsed")
        return {
            "game": game, "turn": int(rec["turn"]), "creature": str(rec["creature"]),
            "model": str(rec.get("model") or ""), "prompt": str(rec.get("prompt") or ""),
            "raw": str(rec.get("raw") or ""),
            "parsed": "" if parsed is None else _json(dict(parsed)),
            "repairs": _json([str(x) for x in rec.get("repairs") or []]),
            "dropped": _json([{"where": str(d.get("where", "")), "reason": str(d.get("reason", "")),
                               "value": str(d.get("value", ""))} for d in rec.get("dropped") or []]),
            "refused": _json([{"where": str(d.get("where", "")), "code": refusal_code(d),
                               "detail": str(d.get("detail", d.get("reason", "")))}
                              for d in rec.get("refused") or []]),
            "thinking": str(rec.get("thinking") or ""),
            "latency_s": float(rec.get("latency_s") or 0.0), "tokens": int(rec.get("tokens") or 0),
            "fault": str(rec.get("fault") or ""), "fault_kind": str(rec.get("fault_kind") or ""),
            "leak": _json([str(x) for x in rec.get("leak") or []]),
            "situation": "" if rec.get("situation") is None else _json(dict(rec["situation"])),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise EvalError(f"{where}: not a trace row ({err!r:.120})") from None


def _strings(value, path: str = ""):
    """Every string inside a value, with where it sits (e.g. "dropped[0].reason")."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def check_firewall(row: dict, where: str) -> None:
    """The prompt passes the firewall scan for its reader; no field anywhere holds a canary."""
    scan = firewall.scan(row["prompt"], patron=row["creature"] == PATRON)
    if not scan.clean:
        raise EvalError(f"{where}: field prompt fails the firewall scan ({', '.join(scan.hits)}); nothing was written")
    for field, text in _strings(row):
        hits = firewall.CANARY_RE.findall(text)
        if hits:
            raise EvalError(f"{where}: field {field} holds a canary ({hits[0]}); nothing was written")


def _own_thinking(row: dict) -> str:
    parsed = json.loads(row["parsed"]) if row["parsed"] else {}
    return str(parsed.get("thinking") or "")


def check_thinking(rows: list[tuple[dict, str]]) -> None:
    """No row carries another trader's private thought (rows of one game).

    A row's `thinking` must be its own answer's thought. A thought is private when only one trader of
    the game thought those words (at least `MIN_THOUGHT` characters) and nobody said them aloud in
    gossip; a private thought must not appear in another trader's prompt (what it was shown).
    """
    said: list[str] = []
    owners: dict[str, set[str]] = {}
    for row, where in rows:
        own = _own_thinking(row)
        if row["thinking"] != own:
            raise EvalError(f"{where}: field thinking is not this trader's own thought "
                            f"({row['thinking'][:60]!r}); nothing was written")
        if len(own.strip()) >= MIN_THOUGHT:
            owners.setdefault(own.strip(), set()).add(row["creature"])
        parsed = json.loads(row["parsed"]) if row["parsed"] else {}
        if str(parsed.get("gossip") or "").strip():
            said.append(str(parsed["gossip"]))
    private = {t: next(iter(w)) for t, w in owners.items() if len(w) == 1 and not any(t in g for g in said)}
    for row, where in rows:
        for t, who in private.items():
            if who != row["creature"] and t in row["prompt"]:
                raise EvalError(f"{where}: field prompt carries {who}'s private thinking ({t[:60]!r}); "
                                "nothing was written")


def export_traces(paths: list[str | Path], out: str | Path) -> ExportResult:
    """Check every row of the traces files, then write the dataset folder (all or nothing)."""
    if not paths:
        raise EvalError("traces export: name at least one traces file")
    out = Path(out)
    rows: list[dict] = []
    games: list[str] = []
    taken: set[str] = set()
    for p in map(Path, paths):
        try:
            lines = p.read_text("utf-8").splitlines()
        except OSError as err:
            raise EvalError(f"{p}: cannot read traces ({err})") from None
        game = _game_id(p, taken)
        games.append(game)
        game_rows = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{p}:{n} ({game}, row {len(rows) + len(game_rows)})"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise EvalError(f"{where}: not JSON ({err})") from None
            if not isinstance(rec, dict):
                raise EvalError(f"{where}: not a trace row (a JSON object)")
            row = _row(rec, game, where)
            check_firewall(row, where)
            game_rows.append((row, where))
        check_thinking(game_rows)
        rows.extend(r for r, _ in game_rows)
    models = Counter(r["model"] for r in rows)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    write_atomic(out / "traces.jsonl", text)
    write_atomic(out / "README.md", dataset_card(rows, games, models))
    return ExportResult(folder=out, rows=len(rows), games=games, models=dict(models))


def dataset_card(rows: list[dict], games: list[str], models: Counter) -> str:
    """The dataset card: YAML header for the hub's loader, then every field and how the data was made."""
    yaml_fields = [f"  - name: {name}\n    dtype: {kind}" for name, (kind, _) in FIELDS.items()]
    turns = Counter((r["game"], r["turn"]) for r in rows)
    lines = [
        "---", "configs:", "- config_name: default", "  data_files: traces.jsonl", "dataset_info:", "  features:",
        *yaml_fields, "tags:", "- agents", "- multi-agent", "- small-language-models", "- market-simulation", "---",
        "", "# Thousand Token Wood traces", "",
        "Decisions of traders in Thousand Token Wood, a woodland market where four creatures, each thinking "
        "with a small language model or a scripted brain, trade goods for pebbles beside a fifth trader, the "
        "Patron. One row per trader per turn: the exact prompt it was sent, its raw answer, what the "
        "parse-and-repair layer kept and dropped, what the rules refused, its latency and tokens.", "",
        f"- rows: {len(rows)}; games: {len(games)} ({', '.join(games)}); turns: {len(turns)}",
        "- rows per model: " + ", ".join(f"`{m}` {n}" for m, n in sorted(models.items())), "",
        "Load it with the `datasets` library:", "", "```python", "from datasets import load_dataset",
        'ds = load_dataset("json", data_files="traces.jsonl", split="train")',
        "import json",
        "answer = json.loads(ds[0][\"parsed\"] or \"null\")  # parsed, repairs, dropped, refused, leak: JSON strings",
        "```", "",
        "## Fields", "", "| field | type | meaning |", "|---|---|---|",
        *(f"| `{name}` | {kind} | {meaning} |" for name, (kind, meaning) in FIELDS.items()), "",
        "## What was checked before this folder was written", "",
        "- Every prompt passed the game's firewall scan for its reader (creature or Patron): no canary of a "
        "hidden fact and no banned token.",
        "- No field of any row holds a canary string.",
        "- Private thinking appears only in its own trader's row: every `thinking` is that row's own answer's "
        "thought, and no other trader's prompt holds a thought its owner never said aloud.",
        "- The Patron's rows hold the Patron's own moves, including whether each of its tips was true; that is "
        "its own secret, published here after the game.", "",
        "## How it was made", "",
        "Exported with `tokenwood traces export` from traces written by `tokenwood run --traces` or "
        "`tokenwood eval` (see the project's docs/CLI.md and docs/EVAL.md).", "",
    ]
    return "\n".join(lines)
