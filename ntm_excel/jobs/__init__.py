"""`Consolidation` → mail, on time: composing and sending mail, the sent ledger, the digests and
the scheduler with its table of jobs."""
