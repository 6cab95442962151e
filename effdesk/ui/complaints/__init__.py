"""投诉受理: the complaint list, intake, case view, action dialogs, 待办 and printed forms."""
