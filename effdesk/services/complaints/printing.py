"""Printing a case's forms: the service decides and records, the report only draws.

:func:`print_complaint_form` checks the actor's right, reads the case with the identity rules
of the form (:mod:`.policy`: a form sent to a unit never carries the complainant's identity,
and the identity is blotted out of its free text), refuses a form the case has no grounds for
yet (the policy's form rules), hands the plain values to the caller's ``draw`` (a renderer of
:mod:`effdesk.reports.complaint_forms`), and records the print in the audit trail with whether
the identity is on the paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.enums import AuditAction
from effdesk.permissions import Permission, require
from effdesk.services.complaints.policy import ComplaintForm, check_form
from effdesk.services.complaints.schema import ComplaintDetail
from effdesk.services.complaints.search import get_complaint_detail


@dataclass(frozen=True)
class OfficeInfo:
    """The issuing office as the settings describe it."""

    name: str
    short_name: str
    phone: str
    address: str

    @classmethod
    def from_settings(cls, session: Session) -> OfficeInfo:
        return cls(
            name=str(settings.get(session, "office.name")),
            short_name=str(settings.get(session, "office.short_name")),
            phone=str(settings.get(session, "office.phone")),
            address=str(settings.get(session, "office.address")),
        )


@dataclass(frozen=True)
class FormCase:
    """Everything a form is drawn from: the case as this form may show it, and the office."""

    form: ComplaintForm
    detail: ComplaintDetail
    office: OfficeInfo
    today: date


@dataclass(frozen=True)
class DrawnForm:
    """What the renderer reports back."""

    pages: int
    fonts_used: list[str]


@dataclass(frozen=True)
class ComplaintFormResult:
    form: ComplaintForm
    pages: int
    fonts_used: list[str]
    # Whether the complainant's name, phone, company or address is on the paper.
    identity_printed: bool


def identity_on_paper(detail: ComplaintDetail) -> bool:
    """Does a form drawn from ``detail`` carry any of the complainant's identity?"""
    return detail.identity_visible and any(
        (
            detail.complainant_name,
            detail.complainant_phone,
            detail.complainant_company,
            detail.complainant_address,
        )
    )


def print_complaint_form(
    session: Session,
    actor: Actor,
    complaint_id: int,
    form: ComplaintForm,
    draw: Callable[[FormCase], DrawnForm],
    *,
    today: date | None = None,
) -> ComplaintFormResult:
    """Print ``form`` of the case through ``draw`` and record it (see the module docstring).

    Raises PermissionDenied without VIEW_COMPLAINTS, EffDeskError when the case has no such
    form yet (e.g. a 交办单 for a case that was not assigned).
    """
    require(actor, Permission.VIEW_COMPLAINTS)
    today = today or now().date()
    detail = get_complaint_detail(
        session,
        actor,
        complaint_id,
        with_identity=not form.for_units,
        for_units=form.for_units,
        today=today,
    )
    check_form(detail.facts, form, f"投诉件 {detail.number}")
    drawn = draw(FormCase(form, detail, OfficeInfo.from_settings(session), today))
    printed = identity_on_paper(detail) and not form.for_units
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "complaint",
        detail.uuid,
        f"打印投诉件 {detail.number} 的《{form.label}》",
        None,
        {"form": form.value, "identity_printed": printed},
    )
    return ComplaintFormResult(
        form=form, pages=drawn.pages, fonts_used=drawn.fonts_used, identity_printed=printed
    )
