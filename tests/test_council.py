"""Councils: presets, files and inline specs; GPU plans checked before anything starts."""

import pytest

from engine.brains.models import plan_gpu
from engine.models.registry import load_registry
from engine.play.council import CouncilError, resolve_council


def test_presets(scenario):
    assert resolve_council("scripted", scenario)["Oona"] == "scripted:hoarder"
    emb = resolve_council("embedded", scenario)
    assert sorted(set(emb.values())) == ["gemma3-270m", "smollm2-135m"]
    assert list(emb.values()).count("gemma3-270m") == 2
    reg = load_registry(None)
    assert len({reg.get(m).lab for m in emb.values()}) == 2  # two labs
    seed = resolve_council("seed", scenario)
    assert len(set(seed.values())) == 4


def test_inline_and_file(scenario, tmp_path):
    c = resolve_council("oona=smollm2-135m, Bramble=scripted", scenario)
    assert c["Oona"] == "smollm2-135m" and c["Bramble"] == "scripted:cautious"
    f = tmp_path / "c.toml"
    f.write_text('[council]\nSorrel = "gemma3-270m"\n')
    assert resolve_council(str(f), scenario)["Sorrel"] == "gemma3-270m"
    with pytest.raises(CouncilError, match="no creature called 'Nobody'"):
        resolve_council("Nobody=x", scenario)
    with pytest.raises(CouncilError, match="expected a preset"):
        resolve_council("embeded", scenario)


def test_gpu_plan_refuses_a_council_that_cannot_fit():
    reg = load_registry(None)
    seed = {m: reg.get(m) for m in ("gpt-oss-20b", "minicpm3-4b", "nemotron-mini-4b", "qwen2.5-0.5b")}
    assert plan_gpu(seed, None) == []  # no GPU: nothing to plan
    assert plan_gpu(seed, 80.0) == []  # the seed council fits one 80 GB GPU
    greedy = {m: s.model_copy(update={"engine": s.engine.model_copy(update={"gpu_memory_utilization": 0.5})})
              for m, s in seed.items()}
    (problem,) = plan_gpu(greedy, 80.0)
    assert "2.00 of the GPU" in problem and "80.0 GiB" in problem
