"""Files → `Submission`: format sniffing and hostile-file checks, sheets as cell grids, legacy
encodings, the self-assessment table, the roadmap, and the batch of worker processes."""
