"""The `Ledger` facade: one object that owns the engine, the audit key, the evidence store and the
sub-managers (catalog, users, households, cases, queries, reporting, imports, audit, backup,
compare). Built by open_ledger()."""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from sqlalchemy import Engine, event, insert, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ledger import anchor, audit, paths, records, schema
from ledger.db import create_ledger_engine, describe, refuse_network_path, to_url, without_password
from ledger.dto import Actor
from ledger.errors import ConflictError, PermissionDenied, StorageError, ValidationError
from ledger.evidence import EvidenceStore, copy_blobs, evidence_dir_beside
from ledger.migrate import SchemaStatus, ensure_schema
from ledger.models import AuditEvent, AuditHead, Case, Evidence, Meta, User, UserRole
from ledger.opening import EVIDENCE_TAIL, check_path_length, check_sqlite_file, explain_open_error
from ledger.seed import seed_catalog

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from ledger.services.backup import BackupService
    from ledger.services.compare import CompareService
    from ledger.services.dispatch import DispatchService
    from ledger.services.household_import import HouseholdImportService
    from ledger.services.imports import ImportService
    from ledger.services.letters import LetterService
    from ledger.services.outputs import OutputService
    from ledger.services.publicity import PublicityService
    from ledger.services.reminders import ReminderService
    from ledger.services.serials import SerialService
    from ledger.services.villages import VillageService

Clock = Callable[[], dt.datetime]


def _local_now() -> dt.datetime:
    return dt.datetime.now().replace(tzinfo=None)


class Ledger:
    def __init__(
        self,
        engine: Engine,
        *,
        key_dir: Path,
        evidence_dir: Path,
        clock: Clock = _local_now,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        from ledger.services.audit import AuditService
        from ledger.services.cases import CaseService
        from ledger.services.catalog import CatalogService
        from ledger.services.households import HouseholdService
        from ledger.services.queries import QueryService
        from ledger.services.reporting import ReportingService
        from ledger.services.users import UserService

        self.engine = engine
        self.clock = clock
        self.key_dir = key_dir
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writer = engine.execution_options(zgtz_write=True)
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False, autoflush=False)
        event.listen(self._write_sessions, "after_flush", records.collect_after_flush)
        self._issued: dict[str, int] = {}  # signed-in handles (Actor.session) -> account id
        # Whether writes update this PC's remembered chain head (ledger/anchor.py); off for the
        # scratch copy a restore verifies, which shares the ledger's identity but is not it.
        self.remember_heads = True
        self.uuid = self.meta("ledger_uuid")
        # The key is looked for once, at open. Without it nothing can be written (every write appends
        # a keyed audit event) and nothing keyed can be checked: the ledger opens read-only and every
        # write, report and export is refused with this sentence (README, "审计密钥").
        self._key, problem = audit.key_problem(key_dir, self.uuid)
        self.read_only_reason: str | None = None if self._key is not None else read_only_sentence(problem or "")
        self.evidence_store = EvidenceStore(evidence_dir)
        self.catalog = CatalogService(self)
        self.users = UserService(self, password_hasher)
        self.households = HouseholdService(self)
        self.cases = CaseService(self)
        self.queries = QueryService(self)
        self.reporting = ReportingService(self)
        self.audit = AuditService(self)

    # The services the first screen does not use are made (and their modules imported) on first use:
    # importing comparison, imports, publicity, dispatch… took 50–80 ms of CPU at every open (issue 18).
    @functools.cached_property
    def serials(self) -> SerialService:
        from ledger.services.serials import SerialService

        return SerialService(self)

    @functools.cached_property
    def imports(self) -> ImportService:
        from ledger.services.imports import ImportService

        return ImportService(self)

    @functools.cached_property
    def household_import(self) -> HouseholdImportService:
        from ledger.services.household_import import HouseholdImportService

        return HouseholdImportService(self)

    @functools.cached_property
    def backup(self) -> BackupService:
        from ledger.services.backup import BackupService

        return BackupService(self)

    @functools.cached_property
    def compare(self) -> CompareService:
        from ledger.services.compare import CompareService

        return CompareService(self)

    @functools.cached_property
    def villages(self) -> VillageService:
        from ledger.services.villages import VillageService

        return VillageService(self)

    @functools.cached_property
    def publicity(self) -> PublicityService:  # 公示 before 审批销号 / 风险消除
        from ledger.services.publicity import PublicityService

        return PublicityService(self)

    @functools.cached_property
    def dispatch(self) -> DispatchService:  # 调度 and 通报
        from ledger.services.dispatch import DispatchService

        return DispatchService(self)

    @functools.cached_property
    def reminders(self) -> ReminderService:  # escalation: 到期提醒
        from ledger.services.reminders import ReminderService

        return ReminderService(self)

    @functools.cached_property
    def letters(self) -> LetterService:  # escalation: 督办函 tracking
        from ledger.services.letters import LetterService

        return LetterService(self)

    @functools.cached_property
    def outputs(self) -> OutputService:  # a finished file: hashed, claimed, audited
        from ledger.services.outputs import OutputService

        return OutputService(self)

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def key(self) -> bytes:
        if self._key is None:
            if self.read_only_reason is not None:
                raise StorageError(self.read_only_reason)
            self._key = audit.load_key(self.key_dir, self.uuid)
        return self._key

    def refuse_if_read_only(self) -> None:
        """Up front, before any work, in every write, report and export."""
        if self.read_only_reason is not None:
            raise StorageError(self.read_only_reason)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def location(self) -> str:
        return describe(self.engine)

    @property
    def address(self) -> str:
        """What a PC remembers to open this ledger again: the file's full path, or the server's
        address without its password (ledger/db.py without_password)."""
        if self.dialect == "sqlite":
            return str(Path(self.engine.url.database or "").resolve())
        return without_password(self.engine.url)

    def today(self) -> dt.date:
        return self.clock().date()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One use case = one transaction: commit once at the end, roll back on any error. Refused
        at once when the ledger is read-only (its audit key is missing)."""
        self.refuse_if_read_only()
        session = self._write_sessions()
        try:
            with session.begin():
                if self.dialect == "postgresql":
                    # Writers queue on the audit head first, so they never deadlock on case_counts
                    # rows or the case counter (SQLite writers are serialised by BEGIN IMMEDIATE).
                    session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
                yield session
                if records.pending(session):  # our bug: a record changed with no event to stamp it
                    raise RuntimeError(f"records changed without an audit event: {dict(records.touched(session))}")
            head = session.info.get("zgtz_head")
            if head is not None and self.remember_heads:
                anchor.remember(self.key_dir, self.uuid, *head)
        except StaleDataError:
            raise ConflictError() from None
        except OperationalError as err:
            raise _explained(err) from err
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def meta(self, key: str, default: str | None = None) -> str:
        with self.reading() as s:
            row = s.get(Meta, key)
        if row is None:
            if default is None:
                raise StorageError(f"台账缺少设置项 {key}，数据库可能已损坏")
            return default
        return row.value

    def record(
        self,
        session: Session,
        actor: Actor | None,
        action: str,
        entity: str,
        entity_id: int | None,
        payload: dict[str, Any],
        case_id: int | None = None,
    ) -> AuditEvent:
        """Write an audit event in the caller's transaction, stamped with the keyed hash of every
        record the transaction changed since the previous event (ledger/records.py)."""
        who = audit.AuditActor(actor.id, actor.display_name) if actor is not None else audit.SYSTEM
        stamps = records.compute_stamps(session, self.key)
        if stamps.count:
            payload = {**payload, "stamps": stamps.declaration(self.key)}
        ev = audit.append(session, self.key, self.clock(), who, action, entity, entity_id, payload, case_id)
        records.write_stamps(session, ev.seq, stamps)
        session.info["zgtz_head"] = (ev.seq, ev.hash)
        return ev

    # -- who is acting ------------------------------------------------------------------------------
    def issue(self, user_id: int) -> str:
        """A new signed-in handle for the account (called by UserService.authenticate only)."""
        token = secrets.token_hex(16)
        self._issued[token] = user_id
        return token

    def revoke(self, actor: Actor | None) -> None:
        if actor is not None:
            self._issued.pop(actor.session, None)

    def authority(self, session: Session, actor: Actor | None) -> Actor:
        """The account behind a signed-in handle, re-read inside the caller's unit of work: its
        active flag, roles, rights and scope as they are now. A handle this ledger did not issue
        (an Actor built by the caller) or one whose account was disabled is refused."""
        if actor is None or self._issued.get(actor.session) != actor.id:
            raise PermissionDenied("未登录或登录已失效，请重新登录后再操作")
        user = session.get(User, actor.id)
        if user is None or not user.active:
            self._issued.pop(actor.session, None)
            raise PermissionDenied("该账号已被停用，请联系系统管理员")
        if user.locked_until is not None and user.locked_until > self.clock():
            raise PermissionDenied("该账号因密码多次输错已被锁定，请稍后再试或联系系统管理员解锁")
        roles = frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        rights = frozenset(r for r in (user.rights or "").split(",") if r)
        return Actor(
            user.id, user.username, user.display_name, roles, user.department_id, user.township_id, rights,
            session=actor.session,
        )  # fmt: skip

    @overload
    def output_actor(self, actor: Actor | None, *, personal: Literal[True]) -> Actor: ...
    @overload
    def output_actor(self, actor: Actor | None, *, personal: bool) -> Actor | None: ...
    def output_actor(self, actor: Actor | None, *, personal: bool) -> Actor | None:
        """Who a printed report or workbook is made for, proved again. Outputs that carry names or
        other personal data need a signed-in user; aggregate figures (the weekly report, the
        statistics sheet) may also be made headless (actor None, e.g. a scheduled task)."""
        if actor is None:
            if personal:
                raise PermissionDenied(
                    "含户主姓名等个人信息的报表和导出须先登录（命令行请用 --user 指明账号并输入密码）"
                )
            return None
        return self.current_actor(actor)

    def current_actor(self, actor: Actor | None) -> Actor:
        """`authority` in a read transaction of its own (for reads and outputs)."""
        with self.reading() as s:
            return self.authority(s, actor)

    def set_evidence_location(self, actor: Actor | None, location: str | os.PathLike[str]) -> Path:
        """Server mode: the office's shared folder for evidence files, used by every PC from its
        next start (系统管理员 only; audited). Existing files are copied there first."""
        self.refuse_if_read_only()  # before copying files
        actor = self.current_actor(actor)
        if "admin" not in actor.roles:
            raise PermissionDenied("只有系统管理员可以设置佐证材料的存放位置")
        if self.dialect == "sqlite":
            raise ValidationError("本机台账的佐证材料固定存放在台账文件旁的“佐证材料”文件夹中")
        folder = Path(location)
        probe = folder / f".zgtz-probe-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as err:
            raise StorageError(f"无法写入 {folder}：{err.strerror or err}。请检查共享文件夹的路径和权限。") from err
        with self.reading() as s:
            hashes = list(s.scalars(select(Evidence.sha256).distinct()))
            hashes += self.letters.reply_hashes(s)  # the 督办函's scanned 书面说明 (escalation)
        copy_blobs(hashes, self.evidence_store, EvidenceStore(folder))  # what this PC holds
        with self.unit_of_work() as s:
            row = s.get(Meta, "evidence_location")
            if row is None:
                s.add(Meta(key="evidence_location", value=str(folder)))
            else:
                row.value = str(folder)
            self.record(s, actor, "settings.evidence_location", "meta", None, {"location": str(folder)})
        self.evidence_store = EvidenceStore(folder)
        return folder

    def close(self) -> None:
        self.engine.dispose()


def read_only_sentence(problem: str) -> str:
    """Why the ledger is read-only, for the banner and every refused write (`problem` names the key file)."""
    return (
        f"{problem}没有密钥无法写入或校验审计日志，台账以只读方式打开：可以查看，不能修改、打印或导出。"
        "请从本机备份中恢复该密钥文件，或联系系统管理员。"
    )


def _explained(err: OperationalError) -> Exception:
    """What the user can act on, in Chinese; anything else stays the original error (our bug)."""
    text = str(err.orig).lower()
    if getattr(err.orig, "sqlstate", None) in ("40P01", "40001"):  # PostgreSQL deadlock / serialisation
        return ConflictError("其他人正在修改同一数据，本次操作未保存，请稍后重试。")
    if "database is locked" in text:
        return ConflictError("台账正被其他窗口或程序占用，本次操作未保存，请稍后重试。")
    if "disk is full" in text or "no space left" in text:
        return StorageError("磁盘空间已满，本次操作未保存。请清理磁盘后重试。")
    if "readonly database" in text or "read-only" in text:
        return StorageError("台账文件或所在文件夹是只读的，本次操作未保存。请检查文件和文件夹的权限。")
    return err


def _default_evidence_dir(engine: Engine, ledger_uuid: str, shared: str | None) -> Path:
    """Beside a ledger file; for a server ledger the office's shared folder when the administrator
    has set one (every PC then sees every file), else this PC's data folder."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return evidence_dir_beside(Path(engine.url.database))
    if shared:
        return Path(shared)
    return paths.data_dir() / "evidence" / ledger_uuid


def open_ledger(
    url_or_path: str | os.PathLike[str] | None = None,
    *,
    create: bool = True,
    county_name: str = "示例县",
    county_code: str = "990101",
    key_dir: Path | None = None,
    evidence_dir: Path | None = None,
    backup_dir: Path | None = None,
    clock: Clock = _local_now,
    before_upgrade: Callable[[SchemaStatus], None] | None = None,
    password_hasher: PasswordHasher | None = None,
    remember_heads: bool = True,
) -> Ledger:
    """Open (and if needed create or upgrade) a ledger.

    An existing ledger whose schema is behind is backed up (SQLite online backup, verified) before
    the upgrade; a ledger newer than this program is refused.
    """
    target = url_or_path if url_or_path is not None else paths.default_ledger_path()
    url = to_url(target)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        refuse_network_path(url.database)
        if not create and not Path(url.database).exists():
            raise StorageError(f"找不到台账文件：{target}")
        check_path_length(url.database + "-journal")
        check_path_length(Path(url.database).parent / "佐证材料", extra=EVIDENCE_TAIL)
        check_sqlite_file(Path(url.database))  # read-only, before the engine touches it (ledger/opening.py)
    engine = create_ledger_engine(target)
    key_dir = key_dir or paths.key_dir()
    keys: Path = key_dir
    try:

        def hook(st: SchemaStatus) -> None:
            from ledger.services.backup import backup_before_upgrade  # an upgrade only

            _key_for_upgrade(engine, keys, st)
            (before_upgrade or (lambda st: backup_before_upgrade(engine, st, backup_dir)))(st)

        status = ensure_schema(engine, before_upgrade=hook, allow_create=create)
        if status.empty:
            _initialise(engine, key_dir, county_name, county_code, clock)
        with Session(engine) as s:
            ledger_uuid = s.get(Meta, "ledger_uuid")
            shared = s.get(Meta, "evidence_location")
        if ledger_uuid is None:
            raise StorageError("台账未完成初始化（缺少台账标识），请从备份恢复")
    except DBAPIError as err:  # server unreachable, file read-only…: a sentence, not a traceback
        engine.dispose()
        explained = explain_open_error(err, url)
        if explained is err:
            raise
        raise explained from err
    except BaseException:
        engine.dispose()
        raise
    lg = Ledger(
        engine,
        key_dir=key_dir,
        evidence_dir=evidence_dir or _default_evidence_dir(engine, ledger_uuid.value, shared.value if shared else None),
        clock=clock,
        password_hasher=password_hasher,
    )
    lg.remember_heads = remember_heads
    if not status.empty and (status.current or "") < RECORD_STAMPS_REVISION:
        _stamp_existing_records(lg)
    if not status.empty and (status.current or "") < HOUSEHOLD_TAGS_REVISION:
        _tags_from_kinds(lg)
    if not status.empty and schema.field_rules(after=status.current or ""):
        _rules_for_new_columns(lg, status.current or "")
    return lg


RECORD_STAMPS_REVISION = "0005"
HOUSEHOLD_TAGS_REVISION = "0008"
# upgrades that write stamped records: the record stamps, the household tags, the field rules of the
# columns added since (the workflow tables are one stamped record)
KEYED_UPGRADES = (
    RECORD_STAMPS_REVISION,
    HOUSEHOLD_TAGS_REVISION,
    *(c.since for c in schema.COLUMNS if c.since and c.editable_in),
)


def _key_for_upgrade(engine: Engine, key_dir: Path, st: SchemaStatus) -> None:
    """An upgrade across revision 0005 stamps every record with the audit key in the same run (0008
    writes stamped tags): without the key it is refused before anything changes (a read-only ledger
    could never stamp them later)."""
    if (st.current or "") >= max(KEYED_UPGRADES):
        return
    with Session(engine) as s:
        row = s.get(Meta, "ledger_uuid")
    if row is None:
        return
    key, problem = audit.key_problem(key_dir, row.value)
    if key is None:
        raise StorageError(
            f"{problem}此台账须升级到新版本，升级时要用审计密钥为全部记录加盖印记；没有密钥不能升级，台账未作任何改动。"
            "请先从本机备份中恢复该密钥文件，再打开台账。"
        )


def _stamp_existing_records(lg: Ledger) -> None:
    """A ledger made before record stamps (revision 0005) has records no event stamped: the upgrade
    stamps them all as they are, in one `records.baseline` event, and re-keys sign-off content
    hashes that still match their case (issue 13). It happens only in the run that upgraded the
    schema, so deleting stamps later can never make the app launder edited records."""
    from ledger.models import SignOff
    from ledger.services.signoff_hash import content_hash, legacy_content_hash

    with lg.unit_of_work() as s:
        for kind in records.KINDS:
            records.touch(s, kind, (record_id for record_id, _ in records.current(s, kind)))
        rekeyed = 0
        for signoff in s.scalars(select(SignOff)):
            case = s.get_one(Case, signoff.case_id)
            hashes = list(s.scalars(select(Evidence.sha256).where(Evidence.case_id == case.id)))
            if signoff.content_hash == legacy_content_hash(case, hashes):
                signoff.content_hash = content_hash(lg.key, case, hashes)
                rekeyed += 1
        lg.record(s, None, "records.baseline", "ledger", None, {"signoffs_rekeyed": rekeyed})


def _tags_from_kinds(lg: Ledger) -> None:
    """A ledger made before household tags (revision 0008): each household gets the tags its 户类型
    implies (ledger/tags.py), undated, in one `household.tags_from_kind` event. Like the baseline it
    happens only in the run that upgraded the schema."""
    from ledger.models import Household, HouseholdTag
    from ledger.tags import tags_for_kind

    with lg.unit_of_work() as s:
        before = records.high_water(s, ("tag",))
        rows = [
            {"household_id": hid, "tag": tag, "subtype": subtype, "risk_type": "", "note": "由户类型转入"}
            for hid, kind in s.execute(select(Household.id, Household.kind).order_by(Household.id))
            for tag, subtype in tags_for_kind(kind)
        ]
        if rows:
            s.execute(insert(HouseholdTag), rows)
        records.touch_since(s, before)
        lg.record(s, None, "household.tags_from_kind", "ledger", None, {"tags": len(rows)})


def _rules_for_new_columns(lg: Ledger, before: str) -> None:
    """Columns the case schema added after revision `before` (ledger/schema.py `since`) become
    editable in the states they name, in one audited `workflow.fields_added` event that re-stamps
    the workflow record. Like the baseline it happens only in the run that upgraded the schema."""
    from ledger.models import WorkflowFieldRule

    with lg.unit_of_work() as s:
        have = {(state, f) for state, f in s.execute(select(WorkflowFieldRule.state, WorkflowFieldRule.field))}
        added = [(state, f) for state, fields in schema.field_rules(after=before).items() for f in fields]
        added = [pair for pair in added if pair not in have]
        if not added:
            return
        s.add_all(WorkflowFieldRule(state=state, field=f) for state, f in added)
        records.touch(s, "workflow", [records.WORKFLOW_ID])
        lg.record(s, None, "workflow.fields_added", "ledger", None, {"rules": [f"{st}:{f}" for st, f in added]})


def _initialise(engine: Engine, key_dir: Path, county_name: str, county_code: str, clock: Clock) -> None:
    """Seed a brand-new ledger: identity, county, catalog, workflow tables, genesis of the chain."""
    ledger_uuid = str(uuid.uuid4())
    key = audit.create_key(key_dir, ledger_uuid)
    writer = engine.execution_options(zgtz_write=True)
    with Session(writer) as s, s.begin():
        now = clock()
        s.add_all(
            [
                Meta(key="ledger_uuid", value=ledger_uuid),
                Meta(key="county_name", value=county_name),
                Meta(key="county_code", value=county_code),
                Meta(key="created_at", value=now.isoformat(timespec="seconds")),
                Meta(key="warn_days", value="3"),
                Meta(key="case_seq", value="0"),
            ]
        )
        s.add(AuditHead(id=1, seq=0, hash=audit.GENESIS))
        s.flush()
        seed_catalog(s, county_name, county_code)
        s.flush()
        records.touch(s, "workflow", [records.WORKFLOW_ID])
        stamps = records.compute_stamps(s, key)
        event = audit.append(
            s,
            key,
            now,
            audit.SYSTEM,
            "ledger.create",
            "ledger",
            None,
            {
                "county_name": county_name,
                "county_code": county_code,
                "ledger_uuid": ledger_uuid,
                "stamps": stamps.declaration(key),
            },
        )
        records.write_stamps(s, event.seq, stamps)
