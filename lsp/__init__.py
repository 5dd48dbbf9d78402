"""Inlay's language core: sketches, their holes and their typed context, with no Django in sight.

The editor's language server, the synthesis workers, the CLI and the benchmarks all read sketches
through this package, so a hole means the same thing everywhere.
"""
