"""`Submission` → `Consolidation`: validation against the catalogue, task states, the
consolidation of a batch and the figures every output reads."""
