"""The lab: evaluation, distillation and the doctor. The only layer (with the brains and models)
that may reach torch, matplotlib or the model runtimes.
"""
