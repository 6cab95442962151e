"""Reports: service results turned into PDF (ReportLab) and Excel (openpyxl). No Qt."""
