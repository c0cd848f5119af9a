"""Command handlers: load, decide, commit."""
from __future__ import annotations

from jajo.domain import new_id
from jajo.unit_of_work import UnitOfWork
from services.registration.commands import ApproveGroup, CloseGroup, FormGroup
from services.registration.domain import Group


def form_group(cmd: FormGroup, uow: UnitOfWork) -> Group:
    group = uow.add(Group.form(new_id(), cmd.name, cmd.year, cmd.theme, cmd.description))
    uow.commit()
    return group


def approve_group(cmd: ApproveGroup, uow: UnitOfWork) -> Group:
    group = uow.get(Group, cmd.group_id)
    group.approve()
    uow.commit()
    return group


def close_group(cmd: CloseGroup, uow: UnitOfWork) -> Group:
    group = uow.get(Group, cmd.group_id)
    group.close()
    uow.commit()
    return group


HANDLERS = {FormGroup: form_group, ApproveGroup: approve_group, CloseGroup: close_group}
