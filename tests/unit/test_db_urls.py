"""A database URL is never shown with its password: not in the ledger's description (window title,
CLI output), not in the address remembered for the recent list, not in the engine's own text."""

from __future__ import annotations

import pytest

from ledger import StorageError
from ledger.db import create_ledger_engine, describe, without_password

SECRET = "S3cret#pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://zgtz_app:{SECRET}@192.168.1.10:5432/zgtz?sslmode=require",
        f"postgresql+psycopg://zgtz_app@192.168.1.10/zgtz?sslmode=require&password={SECRET}",
    ],
)
def test_a_url_with_a_password_is_described_without_it(url):
    engine = create_ledger_engine(url)  # no connection is made
    try:
        assert describe(engine) == "服务器 192.168.1.10:5432/zgtz"
        kept = without_password(engine.url)
        assert SECRET not in kept and SECRET not in without_password(url)
        assert kept.startswith("postgresql+psycopg://zgtz_app@192.168.1.10") and "sslmode=require" in kept
        if "password=" not in url:
            assert SECRET not in str(engine.url) and SECRET not in repr(engine)
    finally:
        engine.dispose()


def test_an_unsupported_address_is_refused_without_repeating_its_password():
    with pytest.raises(StorageError) as refused:
        create_ledger_engine(f"mysql://root:{SECRET}@db.example/zgtz")
    assert SECRET not in str(refused.value)
