"""The content-addressed evidence store."""

from __future__ import annotations

import hashlib

import pytest

from ledger.errors import EvidenceError
from ledger.evidence import EvidenceStore
from tests.world import JPEG, PDF, PNG


@pytest.fixture
def store(tmp_path):
    return EvidenceStore(tmp_path / "store", max_bytes=4096)


@pytest.mark.parametrize(("data", "mime"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf")])
def test_accepted_types_are_stored_under_their_hash(store, data, mime):
    blob = store.put_bytes(data, "照片")
    assert (blob.mime, blob.size, blob.sha256) == (mime, len(data), hashlib.sha256(data).hexdigest())
    path = store.path_for(blob.sha256)
    assert path.read_bytes() == data
    assert path.name == blob.sha256 and path.parent.name == blob.sha256[:2]


def test_a_renamed_text_file_is_refused(store, tmp_path):
    fake = tmp_path / "整改后.png"
    fake.write_text("这不是图片", encoding="utf-8")
    with pytest.raises(EvidenceError, match="不是 JPEG、PNG 图片或 PDF 文件"):
        store.put_file(fake)
    assert not list(store.root.rglob("*")) or all(p.is_dir() for p in store.root.rglob("*"))


def test_the_size_cap_is_enforced_and_leaves_no_temporary_file(store):
    with pytest.raises(EvidenceError, match="超过 4 KB 的大小上限"):
        store.put_bytes(PNG + b"\x00" * 5000, "大照片.png")
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_the_same_content_is_stored_once(store):
    a = store.put_bytes(PNG, "a.png")
    b = store.put_bytes(PNG, "完全不同的名字.png")
    assert a == b
    assert len([p for p in store.root.rglob("*") if p.is_file()]) == 1


def test_the_users_file_name_never_reaches_a_path(store, tmp_path):
    source = tmp_path / "ok.png"
    source.write_bytes(PNG)
    blob = store.put_file(source, display_name="../../evil.png")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == sorted(["ok.png", blob.sha256])
    with pytest.raises(EvidenceError):
        store.path_for("../../etc/passwd")


def test_a_changed_file_is_caught_on_use(store):
    blob = store.put_bytes(JPEG, "前.jpg")
    assert store.problem(blob.sha256) is None
    store.path_for(blob.sha256).write_bytes(JPEG + b"!")
    assert "已被改动" in store.problem(blob.sha256)
    with pytest.raises(EvidenceError, match="已被改动"):
        store.read_verified(blob.sha256)
    store.path_for(blob.sha256).unlink()
    assert "缺失" in store.problem(blob.sha256)


def test_a_missing_source_file_is_explained(store, tmp_path):
    with pytest.raises(EvidenceError, match=r"找不到文件“不存在\.png”"):
        store.put_file(tmp_path / "不存在.png")
