"""Seed rows for a new ledger, from resources/seed/*.json (editable catalogs, not code)."""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy.orm import Session

from ledger import schema
from ledger.models import (
    Category,
    DeadlineClass,
    Department,
    EvidenceKind,
    Meta,
    Region,
    Subcategory,
    WorkflowAction,
    WorkflowFieldRule,
    WorkflowRequirement,
    WorkflowTransition,
)
from ledger.paths import resource_path
from ledger.workflow import load_seed


def load_catalog() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(resource_path("seed", "catalog.json").read_text(encoding="utf-8")))


def seed_catalog(s: Session, county_name: str, county_code: str) -> None:
    catalog = load_catalog()
    s.add(Region(code=county_code.ljust(12, "0"), name=county_name, level="county", parent_id=None))
    s.add_all(DeadlineClass(**d) for d in catalog["deadline_classes"])
    s.add_all(EvidenceKind(**k) for k in catalog["evidence_kinds"])
    s.add_all(Department(code=d["code"], name=d["name"], active=True) for d in catalog["departments"])
    for i, cat in enumerate(catalog["categories"]):
        s.add(Category(code=cat["code"], name=cat["name"], sort=i, publicity_days=cat.get("publicity_days")))
    s.flush()
    for cat in catalog["categories"]:
        for j, sub in enumerate(cat["subcategories"]):
            s.add(
                Subcategory(
                    code=sub["code"],
                    category=cat["code"],
                    name=sub["name"],
                    deadline_class=sub["deadline_class"],
                    default_days=sub["default_days"],
                    lead_department_code=sub.get("lead"),
                    required_evidence=",".join(sub["evidence"]),
                    standard=sub.get("standard", ""),
                    sort=j,
                )
            )
    workflow = load_seed()
    s.add_all(WorkflowAction(**a) for a in workflow["actions"])
    s.flush()
    s.add_all(WorkflowTransition(action=a, from_state=f, to_state=t, role=r) for a, f, t, r in workflow["transitions"])
    s.add_all(WorkflowRequirement(action=a, field=f, label=label) for a, f, label in workflow["requirements"])
    s.add_all(
        WorkflowFieldRule(state=state, field=f) for state, fields in workflow["editable_fields"].items() for f in fields
    )
    # columns added to the ledger since (ledger/schema.py) say themselves where they may be edited
    s.add_all(WorkflowFieldRule(state=state, field=f) for state, fields in schema.field_rules().items() for f in fields)
    s.add(Meta(key="workflow_edit_roles", value=",".join(workflow["edit_roles"])))
