"""The rules of operations' writes: whose a task or report is, and the approval of reports.

An operator changes only its own organisation's tasks and reports, and submits reports; only
the national authority (an admin) approves or rejects them, a rejection with its reason. An
approved report is final: a correction is a new report. Approving a land-release record
releases, in the same transaction, the part of every contaminated zone its polygon covers: a
zone covered whole takes the record's kind and date; a zone covered in part is split, the
released part a zone of its own recorded when the zone was, so every figure before the
release date is unchanged and every figure from it moves by the released area.
"""

from dataclasses import dataclass
from typing import Any

from app.catalog import Collection, RecordState
from app.core.db import Session
from app.errors import Conflict, Forbidden, InvalidFeature
from app.repositories import operations as repo
from app.services.auth import Caller

RELEASES_LAND = "land_release"  # the reports whose approval releases the zones they cover


@dataclass(frozen=True)
class Decision:
    """What a permitted write entails: the history's word for it, and whether it releases."""

    action: str | None = None  # "approve" or "reject"; None: the write's own word
    releases: bool = False


def concerns(collection: Collection) -> bool:
    """Whether writes to the collection follow these rules (they read the feature first)."""
    return collection.owner is not None or collection.approval


def _owner(session: Session, collection: Collection, values: dict[str, Any]) -> str:
    """The organisation a task or report belongs to; a 422 for a report of no task."""
    if "organisation" in values and values["organisation"] is not None:
        return str(values["organisation"])
    organisation = repo.task_organisation(session, values["task"])
    if organisation is None:
        raise InvalidFeature([f"properties.task: no task has the code {values['task']!r}"])
    return organisation


def reference_problems(
    session: Session, collection: Collection, values: dict[str, Any]
) -> list[str]:
    """What a task or report names that does not exist: its task, a task's hazard zones."""
    problems = []
    if collection.owner == "organisation" and "task" not in values:  # a task names its owner
        organisation = values.get("organisation")
        if organisation is not None and not repo.organisation_exists(session, organisation):
            problems.append(f"organisation: no organisation has the code {organisation!r}")
    if "task" in values and repo.task_organisation(session, values["task"]) is None:
        problems.append(f"task: no task has the code {values['task']!r}")
    missing = repo.missing_zones(session, list(values.get("zones") or []))
    if missing:
        problems.append(f"zones: no hazard zone has the code(s) {missing}")
    return problems


def authorise(
    session: Session,
    collection: Collection,
    caller: Caller,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> Decision:
    """Whether ``caller`` may change a feature from ``before`` to ``after`` (None: created,
    or deleted), and what the change entails; 403, 409 or 422 when it may not."""
    if not concerns(collection):
        return Decision()
    if after is not None:
        problems = reference_problems(session, collection, after)
        if problems:
            raise InvalidFeature([f"properties.{problem}" for problem in problems])
    if caller.role == "operator":
        for values in (before, after):
            if values is not None and _owner(session, collection, values) != caller.organisation:
                raise Forbidden(
                    f"the key {caller.name!r} is {caller.organisation}'s: it changes only that "
                    "organisation's tasks and reports"
                )
    if before is not None and after is not None and "task" not in after:
        _keep_attribution(session, before, after)
    if not collection.approval:
        return Decision()
    old = before["state"] if before is not None else None
    new = after["state"] if after is not None else None
    if old == RecordState.approved:
        raise Conflict(
            "an approved report is final: record a correction as a new report, which is "
            "approved in its turn"
        )
    if new == old or new in (None, RecordState.submitted):
        return Decision()
    if not caller.at_least("admin"):
        raise Forbidden(
            f"only the national authority approves or rejects: the key {caller.name!r} is an "
            f"{caller.role}'s; submit the report (state submitted)"
        )
    if new == RecordState.rejected:
        return Decision("reject")
    return Decision("approve", releases=collection.id == RELEASES_LAND)


def _keep_attribution(session: Session, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A task whose reports are approved keeps its code and organisation: approved figures
    by organisation are final, as the reports are."""
    moved = [name for name in ("code", "organisation") if before.get(name) != after.get(name)]
    if moved and repo.has_approved_reports(session, before["code"]):
        raise Conflict(
            f"task {before['code']} has approved reports: its {' and '.join(moved)} cannot "
            "change (the approved figures by organisation are final); open a new task"
        )


def final_codes(session: Session, collection: Collection, codes: list[str]) -> set[str]:
    """The codes of reports that are approved, hence final: no write may change them."""
    return repo.approved_codes(session, collection, codes) if collection.approval else set()


def release(session: Session, record_id: int, values: dict[str, Any]) -> None:
    """Apply an approved land-release record to the contaminated zones it covers; a 422 when
    it covers none (land released already, or never a hazard zone). The record's polygon is
    first cut to those zones, so released land is counted once, as what it was."""
    covered = repo.covered_zones(session, record_id)
    if not covered:
        raise InvalidFeature(
            [
                "geometry: the record covers no contaminated (active or in-progress) hazard "
                "zone: nothing to release"
            ]
        )
    repo.clip_to_zones(session, record_id, [zone.id for zone in covered])
    for zone in covered:
        if zone.recorded_on > values["released_on"]:
            raise InvalidFeature(
                [
                    f"properties.released_on: {values['released_on']} is before zone "
                    f"{zone.code} was recorded ({zone.recorded_on})"
                ]
            )
        if zone.outside_m2 < repo.SLIVER_M2:
            repo.release_whole(session, zone.id, values["kind"], values["released_on"])
        else:
            repo.release_part(
                session, zone.id, record_id, values["code"], values["kind"], values["released_on"]
            )
