"""导入台账 / 导出台账: the Excel ledger dialogs (opened from the 文件 menu)."""
