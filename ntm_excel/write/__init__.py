"""`Consolidation` → files: the master workbook, the CSV files, the feedback workbooks and the
submission template."""
