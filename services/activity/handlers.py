"""Command handlers: load, decide, commit. `build_handlers(deps)` binds them to activity's read side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jajo.commands import Handler, bind
from jajo.domain import new_id
from jajo.errors import Conflict, NotFound, RuleViolation
from jajo.mongo import CommitOutcomeUnknown
from jajo.unit_of_work import UnitOfWork
from services.activity.commands import (
    AcceptDocument,
    AllocateBudget,
    ReportConnection,
    ApproveExpense,
    CancelSession,
    ClaimExpense,
    RecordAttendance,
    RejectExpense,
    ScheduleSeries,
    ReturnDocument,
    ScheduleSession,
    SubmitDocument,
)
from services.activity.domain import (
    Budget,
    Document,
    GroupFacts,
    Session,
    Space,
    SpaceDay,
    budget_id,
    check_slot,
    check_upload,
    series_dates,
    space_day_id,
)
from services.activity.files import DocumentFiles, peek
from services.activity.views import ActivityViews


@dataclass(frozen=True)
class Deps:
    views: ActivityViews
    files: DocumentFiles
    spaces: dict[str, Space]


@dataclass(frozen=True)
class SeriesResult:
    series_id: str
    booked: list[Session]
    conflicts: list[dict]


def book_space(uow: UnitOfWork, session: Session) -> None:
    if session.in_center:
        uow.load_optional(SpaceDay, space_day_id(session.venue, session.date)).book(
            session.id, session.group_id, session.start, session.end
        )


def _session(
    cmd: ScheduleSession | ScheduleSeries, group: GroupFacts, day: date, deps: Deps, series_id: str | None = None
) -> Session:
    """A session as a command (one session, or one date of a series) asks for it."""
    return Session.schedule(
        new_id(),
        group,
        day,
        cmd.start,
        cmd.end,
        cmd.kind,
        cmd.venue,
        deps.spaces,
        title=cmd.title,
        series_id=series_id,
        meeting_url=cmd.meeting_url,
        dial_in=cmd.dial_in,
    )


def schedule_session(cmd: ScheduleSession, uow: UnitOfWork, deps: Deps) -> Session:
    session = uow.add(_session(cmd, deps.views.require_group(cmd.group_id), cmd.date, deps))
    book_space(uow, session)
    uow.commit()
    return session


def schedule_series(cmd: ScheduleSeries, uow: UnitOfWork, deps: Deps) -> SeriesResult:
    group = deps.views.require_group(cmd.group_id)
    check_slot(cmd.kind, cmd.venue, cmd.start, cmd.end, deps.spaces, cmd.meeting_url, cmd.dial_in)
    dates = series_dates(cmd.first_date, cmd.frequency, interval=cmd.interval, count=cmd.count, until=cmd.until)
    series_id, booked, conflicts = new_id(), [], []
    for day in dates:
        session = _session(cmd, group, day, deps, series_id)
        try:
            book_space(uow, session)
        except Conflict as clash:
            conflicts.append({"date": day.isoformat(), "detail": clash.detail})
            continue
        booked.append(uow.add(session))
    if not booked:
        raise Conflict(
            "every date of the series clashes with another booking",
            errors={c["date"]: [c["detail"]] for c in conflicts},
        )
    uow.commit()
    return SeriesResult(series_id, booked, conflicts)


def record_attendance(cmd: RecordAttendance, uow: UnitOfWork, deps: Deps) -> Session:
    session = uow.get(Session, cmd.session_id)
    try:
        session.hold(deps.views.require_group(session.group_id), cmd.guardians, cmd.children, cmd.notes)
    except RuleViolation:  # read only then: someone registration never told of is most likely a join on its way
        deps.views.require_heard_of([*cmd.guardians, *cmd.children])
        raise
    uow.commit()
    return session


def report_connection(cmd: ReportConnection, uow: UnitOfWork, deps: Deps) -> Session:
    session = uow.get(Session, cmd.session_id)
    session.report_connection(deps.views.require_group(session.group_id), cmd.member_id, cmd.status, cmd.note)
    uow.commit()
    return session


def cancel_session(cmd: CancelSession, uow: UnitOfWork, deps: Deps) -> Session:
    session = uow.get(Session, cmd.session_id)
    if session.cancel(cmd.reason) and session.in_center:
        uow.load_optional(SpaceDay, space_day_id(session.venue, session.date)).release(session.id)
    uow.commit()
    return session


def allocate_budget(cmd: AllocateBudget, uow: UnitOfWork, deps: Deps) -> Budget:
    group = deps.views.require_group(cmd.group_id)
    budget = uow.load_optional(Budget, budget_id(cmd.group_id, cmd.year))
    budget.allocate(cmd.amount, group)
    uow.commit()
    return budget


def _check_links(deps: Deps, group_id: str, session_id: str | None, document_ids: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    if session_id is not None and (deps.views.session(session_id) or {}).get("group_id") != group_id:
        errors["session_id"] = [f"{session_id} is not a session of group {group_id}"]
    for document_id in document_ids:
        if (deps.views.document(document_id) or {}).get("group_id") != group_id:
            errors.setdefault("document_ids", []).append(f"{document_id} is not a document of group {group_id}")
    if errors:
        raise RuleViolation("the claim refers to records of another group or to none", errors=errors)


def claim_expense(cmd: ClaimExpense, uow: UnitOfWork, deps: Deps) -> tuple[Budget, str]:
    deps.views.require_group(cmd.group_id)
    _check_links(deps, cmd.group_id, cmd.session_id, cmd.document_ids)
    budget, expense_id = uow.load_optional(Budget, budget_id(cmd.group_id, cmd.date.year)), new_id()
    budget.claim(
        expense_id,
        date=cmd.date.isoformat(),
        amount=cmd.amount,
        category=cmd.category,
        session_id=cmd.session_id,
        description=cmd.description,
        document_ids=cmd.document_ids,
    )
    uow.after_append.append(deps.views.expense_writer(budget, expense_id))
    uow.commit()
    return budget, expense_id


def _budget_of(uow: UnitOfWork, deps: Deps, expense_id: str) -> Budget:
    expense = deps.views.expense(expense_id)
    if expense is None:
        raise NotFound(f"expense {expense_id} does not exist")
    return uow.get(Budget, expense["budget_id"])


def approve_expense(cmd: ApproveExpense, uow: UnitOfWork, deps: Deps) -> tuple[Budget, str]:
    budget = _budget_of(uow, deps, cmd.expense_id)
    budget.approve(cmd.expense_id)
    uow.after_append.append(deps.views.expense_writer(budget, cmd.expense_id))
    uow.commit()
    return budget, cmd.expense_id


def reject_expense(cmd: RejectExpense, uow: UnitOfWork, deps: Deps) -> tuple[Budget, str]:
    budget = _budget_of(uow, deps, cmd.expense_id)
    budget.reject(cmd.expense_id, cmd.reason)
    uow.after_append.append(deps.views.expense_writer(budget, cmd.expense_id))
    uow.commit()
    return budget, cmd.expense_id


def _document_year(deps: Deps, cmd: SubmitDocument, group_year: int | None) -> int | None:
    errors: dict[str, list[str]] = {}
    years = []
    for field, record in (
        ("session_id", cmd.session_id and deps.views.session(cmd.session_id)),
        ("expense_id", cmd.expense_id and deps.views.expense(cmd.expense_id)),
    ):
        value = getattr(cmd, field)
        if value is not None and (not record or record["group_id"] != cmd.group_id):
            errors[field] = [f"{value} is not a {field[:-3]} of group {cmd.group_id}"]
        elif record:
            years.append(record["year"])
    if errors:
        raise RuleViolation("the document refers to records of another group or to none", errors=errors)
    return years[0] if years else group_year


def submit_document(cmd: SubmitDocument, uow: UnitOfWork, deps: Deps) -> Document:
    # The domain's upload rule on the file's head, before anything is asked or stored: 413/415 come first (the
    # streamed file is then checked by Document.submit with the same rule, on what was stored).
    content_type = check_upload(*peek(cmd.file))
    group = deps.views.require_group(cmd.group_id)
    year, document_id = _document_year(deps, cmd, group.year), new_id()
    stored = deps.files.put(document_id, cmd.file, cmd.filename, content_type)
    try:
        document = uow.add(
            Document.submit(
                document_id,
                group_id=cmd.group_id,
                year=year,
                kind=cmd.kind,
                file=stored,
                filename=cmd.filename,
                session_id=cmd.session_id,
                expense_id=cmd.expense_id,
            )
        )
        uow.commit()
    except CommitOutcomeUnknown:
        raise  # it may have committed: the file stays (the sweep removes it if no DocumentSubmitted was stored)
    except BaseException:
        deps.files.delete(document_id)
        raise
    return document


def accept_document(cmd: AcceptDocument, uow: UnitOfWork, deps: Deps) -> Document:
    document = uow.get(Document, cmd.document_id)
    document.accept()
    uow.commit()
    return document


def return_document(cmd: ReturnDocument, uow: UnitOfWork, deps: Deps) -> Document:
    document = uow.get(Document, cmd.document_id)
    document.return_to_group(cmd.reason)
    uow.commit()
    return document


def build_handlers(deps: Deps) -> dict[type, Handler]:
    return bind(
        {
            ScheduleSession: schedule_session,
            ScheduleSeries: schedule_series,
            RecordAttendance: record_attendance,
            CancelSession: cancel_session,
            AllocateBudget: allocate_budget,
            ClaimExpense: claim_expense,
            ApproveExpense: approve_expense,
            RejectExpense: reject_expense,
            SubmitDocument: submit_document,
            AcceptDocument: accept_document,
            ReturnDocument: return_document,
            ReportConnection: report_connection,
        },
        deps=deps,
    )
