"""What a sign-off vouches for: a keyed hash of a case's content and its evidence (ledger/schema.py
`signed`). CaseService writes it with each sign-off and compares it when a case is shown; the
upgrade of revision 0005 re-keys the plain hashes of older sign-offs (ledger/facade.py)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from ledger import schema
from ledger.audit import canonical_json
from ledger.models import Case

# What a sign-off vouches for: the case content (ledger/schema.py `signed`) and its evidence hashes.
# Columns added later join it only once set, so sign-offs made before them stay valid.
CONTENT_FIELDS, ADDED_CONTENT_FIELDS = schema.signed_fields()


def _signed_body(case: Case | Mapping[str, object], evidence_hashes: list[str]) -> bytes:
    get = case.get if isinstance(case, Mapping) else lambda f: getattr(case, f)
    body: dict[str, object] = {f: get(f) for f in CONTENT_FIELDS}
    body.update({f: value for f in ADDED_CONTENT_FIELDS if (value := get(f)) is not None})
    body["evidence"] = sorted(evidence_hashes)
    return canonical_json(body).encode("utf-8")


def content_hash(key: bytes, case: Case | Mapping[str, object], evidence_hashes: list[str]) -> str:
    """What a sign-off vouches for: HMAC-SHA256 (the ledger's audit key) over the content fields of
    a case (an ORM row or a plain mapping) and its evidence hashes. Keyed, so nobody without the key
    can make an altered case match an old sign-off."""
    return hmac.new(key, _signed_body(case, evidence_hashes), hashlib.sha256).hexdigest()


def legacy_content_hash(case: Case | Mapping[str, object], evidence_hashes: list[str]) -> str:
    """The plain SHA-256 sign-offs carried before revision 0005 (re-keyed at the upgrade)."""
    return hashlib.sha256(_signed_body(case, evidence_hashes)).hexdigest()
