"""Sketches, their immutable revisions, and their input/output examples."""
