"""投诉登记: the intake dialog (:mod:`.dialog`) — its fields (:mod:`.form`), the draft keeper
(:mod:`.drafts`) and the duplicate hints (:mod:`.duplicates`)."""

from effdesk.ui.complaints.intake.dialog import IntakeDialog, IntakeResult

__all__ = ["IntakeDialog", "IntakeResult"]
