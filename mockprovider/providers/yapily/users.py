"""Yapily users: `applicationUserId` ↔ `userUuid` (spec §2.1: an unknown `applicationUserId`
creates the user)."""

from __future__ import annotations

import uuid

from mockprovider.core.records import Records
from mockprovider.providers.yapily import errors


async def resolve(
    records: Records, application_user_id: str | None, user_uuid: str | None
) -> tuple[str, str | None]:
    """(userUuid, applicationUserId) of the request's user, creating it when new.

    Both given: they must belong together. Only `userUuid`: it must be a known user [GAP →
    sandbox choice: 400 in the legacy envelope]."""
    if application_user_id is not None:
        fresh = {"uuid": str(uuid.uuid4()), "applicationUserId": application_user_id}
        if await records.insert("user", application_user_id, fresh):
            await records.put("user_uuid", fresh["uuid"], fresh)
        user = await records.get("user", application_user_id) or fresh
        if user.get("deleted"):  # DELETE /users/{userUuid}: the id makes a new user
            user = fresh
            await records.put("user", application_user_id, fresh)
            await records.put("user_uuid", fresh["uuid"], fresh)
        if user_uuid is not None and user_uuid != user["uuid"]:
            raise errors.bad_request(
                f"userUuid {user_uuid} does not belong to applicationUserId {application_user_id}"
            )
        return str(user["uuid"]), application_user_id
    assert user_uuid is not None
    found = await records.get("user_uuid", user_uuid)
    if found is None or found.get("deleted"):
        raise errors.bad_request(f"User with userUuid {user_uuid} not found")
    return user_uuid, found.get("applicationUserId")
