"""Content-addressed evidence store: files are named by their SHA-256, never by the user's name.

A file is streamed into a temporary file in the store while it is hashed and size-checked, its type
is read from its magic bytes, then it is fsynced and moved into place with os.replace: a crash
leaves either nothing or the whole file. Every use re-hashes the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ledger.errors import EvidenceError

MAGIC_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024


def evidence_dir_beside(db_file: Path) -> Path:
    """A SQLite ledger keeps its evidence in 佐证材料/ beside the file. Content addressing lets
    several ledgers, and several backups, in one folder share it safely."""
    return db_file.parent / "佐证材料"


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"


def sniff(head: bytes) -> str | None:
    for magic, mime in MAGIC_TYPES:
        if head.startswith(magic):
            return mime
    return None


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    mime: str


class EvidenceStore:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise EvidenceError("佐证材料编号无效")
        return self.root / sha256[:2] / sha256

    def put_file(self, source: Path, display_name: str | None = None) -> StoredBlob:
        name = display_name or source.name
        try:
            with open(source, "rb") as fh:
                return self._put_stream(fh, name)
        except FileNotFoundError:
            raise EvidenceError(f"找不到文件“{name}”") from None
        except IsADirectoryError:
            raise EvidenceError(f"“{name}”是文件夹，不是文件") from None

    def put_bytes(self, data: bytes, display_name: str = "材料") -> StoredBlob:
        import io

        return self._put_stream(io.BytesIO(data), display_name)

    def _put_stream(self, stream: BinaryIO, name: str) -> StoredBlob:
        head = stream.read(16)
        mime = sniff(head)
        if mime is None:
            raise EvidenceError(f"“{name}”不是 JPEG、PNG 图片或 PDF 文件，不能作为佐证材料")
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(head)
        size = len(head)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(head)
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise EvidenceError(f"“{name}”超过 {_size_text(self.max_bytes)} 的大小上限，请压缩后再添加")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if target.exists() and self._hash_file(target) == sha:
                os.unlink(tmp_name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)
            return StoredBlob(sha, size, mime)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    @staticmethod
    def _hash_file(path: Path) -> str:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def problem(self, sha256: str) -> str | None:
        """None when the stored file exists and still hashes to its name; else a Chinese reason."""
        path = self.path_for(sha256)
        if not path.exists():
            return f"佐证材料文件缺失（{sha256[:12]}…）"
        if self._hash_file(path) != sha256:
            return f"佐证材料文件已被改动，与登记时的哈希不符（{sha256[:12]}…）"
        return None

    def read_verified(self, sha256: str) -> bytes:
        """The file's bytes, hashed after reading so what is returned is what was checked."""
        try:
            data = self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise EvidenceError(f"佐证材料文件缺失（{sha256[:12]}…）") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise EvidenceError(f"佐证材料文件已被改动，与登记时的哈希不符（{sha256[:12]}…）")
        return data


def copy_blobs(hashes: list[str], source: EvidenceStore, target: EvidenceStore) -> tuple[int, list[str]]:
    """Copy the files named by `hashes` that `target` lacks, verifying each on the way.
    Returns (files copied, problems)."""
    copied, problems = 0, []
    for sha in hashes:
        if target.problem(sha) is None:
            continue
        try:
            data = source.read_verified(sha)
        except EvidenceError as err:
            problems.append(str(err))
            continue
        target.put_bytes(data)
        copied += 1
    return copied, problems
