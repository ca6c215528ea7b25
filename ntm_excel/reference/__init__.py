"""Office-kept reference data: the criteria catalogue, the unit registry, the plan and the
contact book. Each loader takes the path of its workbook; `ntm_excel.config` resolves the
defaults."""
