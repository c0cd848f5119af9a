"""What an invite link may do in registration: the portal names a person who opened a group's invite link as
`invite:<group_id>/<link>`, and that person may only ask to join that group (`POST /groups/<group_id>/members`).
Everything else → 403 (jajo.http.guardians)."""

from __future__ import annotations

from jajo.http.guardians import GuardianPolicy, path_value, require


def _join_own_group(invite: str) -> None:
    group_id, _, _ = invite.partition("/")
    require(path_value("group_id") == group_id, "an invite link only joins the group it was made for")


POLICY = GuardianPolicy({"groups.join_group": _join_own_group}, refusal="an invite link may only join its group")
