"""The mind boundary: what a trader may see (views), the prompt built from it, and the tolerant
parse-and-repair of what comes back. Imports the core, nothing above it.
"""
