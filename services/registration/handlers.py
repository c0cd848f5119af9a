"""Command handlers: load, decide, commit."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from jajo.commands import Handler
from jajo.domain import new_id
from jajo.unit_of_work import UnitOfWork
from services.registration.clock import Clock, seoul_today
from jajo.personal import Keys, document_key
from services.registration.commands import ApproveGroup, CloseGroup, EraseMember, FormGroup, JoinGroup, LeaveGroup
from services.registration.domain import Group, JoiningChild, Member

Forget = Callable[[str, Any], object]  # (member id, session): deletes the stored answers naming the member


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


def join_group(cmd: JoinGroup, uow: UnitOfWork, *, clock: Clock, keys: Keys) -> tuple[Group, Member]:
    """The new member's id comes with its data key made already (KeyStore.new_owner)."""
    group = uow.get(Group, cmd.group_id)
    children = [JoiningChild(new_id(), child.birth_date, child.name) for child in cmd.children]
    member = group.join(
        keys.new_owner(), cmd.guardian_name, cmd.district, cmd.phone, children, today=clock(), consent=cmd.consent
    )
    uow.commit()
    return group, member


def leave_group(cmd: LeaveGroup, uow: UnitOfWork, *, clock: Clock) -> tuple[Group, Member]:
    group = uow.get(Group, cmd.group_id)
    member = group.leave(cmd.member_id, today=clock())
    uow.commit()
    return group, member


def erase_member(
    cmd: EraseMember, uow: UnitOfWork, *, clock: Clock, keys: Keys, forget: Forget
) -> tuple[Group, Member]:
    """Records `MemberErased`, destroys the member's data key (and the keys of the documents it names, which seal
    their filenames) and forgets the stored answers naming them, in one transaction (crypto-shredding)."""
    group = uow.get(Group, cmd.group_id)
    member = group.erase(cmd.member_id, today=clock(), reason=cmd.reason, documents=cmd.documents)

    def shred(session: Any) -> None:
        for owner in (cmd.member_id, *map(document_key, cmd.documents)):
            keys.destroy(owner, session)
        forget(cmd.member_id, session)

    uow.after_append.append(shred)
    uow.commit()
    return group, member


def handlers(keys: Keys, forget: Forget, clock: Clock = seoul_today) -> dict[type, Handler]:
    """The handler table; `keys` is the key store erasure shreds, `forget(member_id, session)` deletes the
    stored idempotent answers naming a member, `clock` says what "today" is (tests pin it)."""
    return {
        FormGroup: form_group,
        ApproveGroup: approve_group,
        CloseGroup: close_group,
        JoinGroup: partial(join_group, clock=clock, keys=keys),
        LeaveGroup: partial(leave_group, clock=clock),
        EraseMember: partial(erase_member, clock=clock, keys=keys, forget=forget),
    }
