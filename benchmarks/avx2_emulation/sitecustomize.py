"""Make this Python behave like one on an AVX2-only processor (for benchmarks on a bigger machine).

On the path (PYTHONPATH) of a process and of every process it spawns, with the environment's
`ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2` (torch's own kernels), it also makes torch report
no AVX-512, AVX512-BF16 or AMX, so that vLLM loads its AVX2 kernel library (`vllm._C_AVX2`) and picks
its AVX2 attention path, as it would on such a processor. `benchmarks/council_turn.py --emulate-avx2`
sets all of it. Timings stay an emulation: the caches, the memory and the clock are the real machine's.
"""

import os

if os.environ.get("TOKENWOOD_EMULATE_AVX2") == "1":
    try:
        import torch.cpu

        torch.cpu._is_avx512_supported = lambda: False
        torch.cpu._is_avx512_bf16_supported = lambda: False
        torch.cpu._is_amx_tile_supported = lambda: False
        torch.cpu._is_amx_fp16_supported = lambda: False
    except Exception:  # noqa: BLE001 - without torch there is nothing to emulate
        pass
