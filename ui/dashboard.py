"""工作台: the headline numbers, closure rate by township, cases by category, 待我处理 and the
overdue list. Every number opens the ledger filtered to what it counts.

The numbers speak the 周报's and the 统计表's words (ledger.workflow): 累计发现 is the sum of the five
state tiles 待交办 + 整改中 + 待核验 + 待审批 + 已销号 (TALLY); 逾期 is ledger.workflow.is_overdue; the
townships' bars take the colour of their 红黄绿灯 (GroupLightPolicy). The page is laid out to fit a
1366×768 screen without scrolling: tiles in two rows, the charts on the left, the lists on the right.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ledger import CaseFilter
from ledger.dto import DashboardCounts, TagCount
from ledger.workflow import OPEN_STATES, TALLY, GroupLightPolicy
from ui.common import LIGHT_COLOURS, refusal
from ui.context import AppContext
from ui.models import CaseTableModel, count_text
from ui.ops import Job, background
from ui.reads import Latest, ReadWhenShown, reload_model
from ui.reminder_banner import ReminderBanner
from ui.village_drill import VillageDrillDialog
from ui.widgets import BarChart, Tile, make_table
from ui.year_scope import YearScope

TILE_STYLE = "font-size: 18pt; font-weight: bold;"


class DashboardPage(ReadWhenShown):
    open_filter = Signal(object, str)  # (CaseFilter, caption)
    open_case = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        today = ctx.ledger.today()
        week_start = today - dt.timedelta(days=today.weekday())
        # Every figure is read on the operations thread (ui/reads.py); the 预警天数 in a tile's caption
        # arrives with them, "即将到期" standing until then.
        self.reads, self.tasks_reads, self.overdue_reads = Latest(self), Latest(self), Latest(self)
        self._tiles: dict[str, Tile] = {}
        states = [
            (key, name, "#e37400" if key.startswith("pending") else "#188038" if key == "closed" else "#1a73e8", s)
            for key, name, s in TALLY
        ]
        rows = [
            [("total", "累计发现", "#1a73e8", CaseFilter(include_void=False))]
            + [(key, name, colour, CaseFilter(states=s)) for key, name, colour, s in states],
            [
                ("rate", "销号率", "#188038", CaseFilter(states=("closed",))),
                ("overdue", "逾期", "#d93025", CaseFilter(light="red")),
                ("due_soon", "即将到期", "#f2a600", CaseFilter(light="yellow")),
                ("new_week", "本周新增", "#1a73e8", CaseFilter(found_from=week_start, include_void=False)),
                ("closed_week", "本周销号", "#188038", CaseFilter(closed_from=week_start, states=("closed",))),
            ],
        ]
        tiles = QVBoxLayout()
        tiles.setSpacing(6)
        for spec in rows:
            line = QHBoxLayout()
            line.setSpacing(6)
            for key, caption, colour, flt in spec:
                tile = Tile(caption, colour)
                tile.value.setStyleSheet(f"color: {colour}; {TILE_STYLE}")
                frame = tile.layout()
                assert frame is not None
                frame.setContentsMargins(10, 4, 10, 4)
                frame.setSpacing(0)
                tile.clicked.connect(lambda f=flt, c=caption: self.open_filter.emit(f, c))
                self._tiles[key] = tile
                line.addWidget(tile, 1)
            tiles.addLayout(line)
        self._tiles["total"].setToolTip("点击查看：累计发现（不含已作废）= 待交办 + 整改中 + 待核验 + 待审批 + 已销号")

        self.township_chart = BarChart("各乡镇销号率（颜色为预警灯）", "#188038", spacing=3)
        # 各村: a township's bar opens its villages (ui/village_drill.py, counted on the background lane)
        self.township_chart.clicked.connect(self.drill_township)
        self.township_chart.setToolTip("点击乡镇，查看该乡镇各村的整改情况（清零状态、销号率、逾期）")
        self._town_ids: list[int] = []
        self.drill: VillageDrillDialog | None = None
        self.category_chart = BarChart("各类问题数量（已销号/累计）", "#1a73e8", spacing=3)
        # 监测对象 and 脱贫户 first (the policy's two groups), then the other tags held by anyone, one
        # line each; each figure opens the ledger on the open cases of households holding the tag today
        self.tag_line = QLabel()
        self.tag_line.setWordWrap(True)
        self.tag_line.setTextFormat(Qt.TextFormat.RichText)
        self.tag_line.linkActivated.connect(self._tag_clicked)
        self.tag_figures: dict[str, TagCount] = {}
        self._tag_job: Job | None = None
        self._tags_again = False
        charts = QVBoxLayout()
        charts.addWidget(self.township_chart)
        charts.addWidget(self.category_chart)
        charts.addStretch(1)

        self.tasks = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        self.tasks.filter = CaseFilter(tasks_of=ctx.actor)
        self.overdue = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        for counted in (self.tasks, self.overdue):  # their counts arrive from the operations thread
            counted.counted.connect(self._titles)
        self.overdue.filter = CaseFilter(light="red")
        for model in (self.tasks, self.overdue):  # the most urgent first
            model.sort_key, model.descending = "deadline", False
        lists = QVBoxLayout()
        # Above the lists, not above the charts: with the figures in (a heading and four tags, 75 px)
        # the charts' column needed 779 px of the 744 a 1366×768 screen leaves; the lists' has room.
        lists.addWidget(self.tag_line)
        self.tasks_box = QGroupBox("待我处理")
        self.overdue_box = QGroupBox("逾期问题")
        self.views = []
        for box, model in ((self.tasks_box, self.tasks), (self.overdue_box, self.overdue)):
            view = make_table(model)
            self.views.append(view)
            for key in ("township", "village", "id_number", "category", "found"):  # 子类 says enough here
                view.setColumnHidden(next(i for i, c in enumerate(model.columns) if c.key == key), True)
            view.activated.connect(lambda index, m=model: self.open_case.emit(m.data(index, Qt.ItemDataRole.UserRole)))
            view.setMinimumHeight(120)
            # no height of their own to ask for: the lists take what the charts' column leaves them
            # (their 192 px size hints, with the tag line above, asked 804 px of 744 at 1366×768)
            view.setSizePolicy(view.sizePolicy().horizontalPolicy(), QSizePolicy.Policy.Ignored)
            inner = QVBoxLayout(box)
            inner.setContentsMargins(6, 4, 6, 6)
            inner.addWidget(view)
            lists.addWidget(box, 1)

        lower = QHBoxLayout()
        lower.addLayout(charts, 1)
        lower.addLayout(lists, 2)
        self.greeting = QLabel()
        self.greeting.setWordWrap(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        self.year_scope = YearScope(today.year, today)  # 统计年度 (ledger/scope.py)
        self.year_scope.read_years(ctx.ledger)  # the earlier years join the list when read
        self.year_scope.changed.connect(self.refresh)
        top = QHBoxLayout()  # the selector beside the greeting: the page still fits 1366×768
        top.addWidget(self.greeting, 1)
        top.addWidget(self.year_scope)
        layout.addLayout(top)
        self.reminders = ReminderBanner(ctx)  # escalation: 到期提醒 after sign-in (non-modal)
        self.reminders.open_case.connect(self.open_case)
        self.reminders.open_filter.connect(self.open_filter)
        layout.addWidget(self.reminders)
        layout.addLayout(tiles)
        layout.addLayout(lower, 1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(body)
        self.body = body
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        # A change while another page is shown marks the figures stale instead of re-reading them: the
        # refresh reads on the GUI thread (~230 ms CPU at 20,000 cases), and an approval in a case
        # window opened from the ledger page stood still that long for a page nobody was looking at.
        self._stale = False
        ctx.changed.connect(lambda _change: self._changed())

    def load_tags(self) -> None:
        """The tag figures join the tags with the cases (~0.6 s at 1,000,000 cases, docs/performance.md),
        so they are counted on the background lane (ui/ops.py) after the tiles are shown, never ahead of
        a clerk's click on the operations lane; the line says so meanwhile."""
        if self._tag_job is not None and self._tag_job.running:
            self._tags_again = True  # a change came in while counting: count once more afterwards
            return
        self._tags_again = False
        ledger, actor = self.ctx.ledger, self.ctx.actor
        if not self.tag_figures:
            self.tag_line.setText("农户标签（今天有效）：正在统计…")
        self._tag_job = background().start(
            lambda _progress, _cancelled: ledger.households.tag_counts(visible_to=actor),
            self._tags_counted,
            self._tags_not_counted,
            owner=self,
        )

    def _tags_counted(self, counts: list[TagCount]) -> None:
        self.show_tags(counts)
        if self._tags_again:
            self.load_tags()

    def _tags_not_counted(self, error: BaseException) -> None:
        self.tag_line.setText(f"农户标签：统计失败（{refusal(error)}）")
        if self._tags_again:  # a change came in while counting: its count is still owed
            self.load_tags()

    def drill_township(self, bar: int) -> None:
        """The villages of the township whose bar was clicked, in their own window."""
        if not 0 <= bar < len(self._town_ids):
            return
        if self.drill is not None:
            self.drill.close()
        self.drill = VillageDrillDialog(self.ctx, self._town_ids[bar], self, scope=self.year_scope.scope())
        self.drill.open_filter.connect(self.open_filter)
        self.drill.show()

    def show_tags(self, counts: list[TagCount]) -> None:
        self.tag_figures = {c.tag: c for c in counts}
        order = sorted(counts, key=lambda c: (c.tag not in ("监测对象", "脱贫户"), c.tag != "监测对象"))
        lines = [
            f"<b>{c.tag}</b> {c.households:,} 户，"
            f"<a href='{c.tag}' style='color:#1a73e8'>未销号问题 {c.open_cases:,} 个</a>"
            for c in order
            if c.households or c.tag in ("监测对象", "脱贫户")
        ]
        self.tag_line.setText("农户标签（今天有效）：<br>" + "<br>".join(lines))

    def _tag_clicked(self, tag: str) -> None:
        self.open_filter.emit(CaseFilter(tag=tag, states=tuple(sorted(OPEN_STATES))), f"{tag}的未销号问题")

    def figures(self) -> dict[str, str]:
        """The tiles' numbers as shown, by key (total, unassigned, working, …, overdue)."""
        return {key: tile.value.text() for key, tile in self._tiles.items()}

    def _titles(self) -> None:
        self.tasks_box.setTitle(f"待我处理（{count_text(self.tasks)}）")
        self.overdue_box.setTitle(f"逾期问题（{count_text(self.overdue)}）")

    def refresh(self) -> None:
        """Read the figures, the reminders and the two lists on the operations thread; the figures
        shown stay until the new ones arrive (the greeting says 正在读取… the first time)."""
        self._stale = False
        lg, actor, scope = self.ctx.ledger, self.ctx.actor, self.year_scope.scope()

        def work() -> tuple[DashboardCounts, GroupLightPolicy, int]:
            counts = lg.queries.dashboard(visible_to=actor, scope=scope)
            return counts, lg.reporting.group_light_policy(), int(lg.meta("warn_days", "3"))

        if not self.greeting.text():
            self.greeting.setText("正在读取…")
        # The tag figures are counted once the tiles are in: counted at the same time, their thread
        # held the figures' read back (工作台刷新 at 100,000 cases, bench/gui.py: 40–49 ms with them,
        # 18–20 ms after them).
        self.reads.run(work, self._shown_then_tags, self._failed_then_tags)
        self.reminders.refresh()
        reload_model(self.tasks_reads, self.tasks, self._titles)
        reload_model(self.overdue_reads, self.overdue, self._titles)

    def _shown_then_tags(self, figures: tuple[DashboardCounts, GroupLightPolicy, int]) -> None:
        self._show(figures)
        self.load_tags()

    def _failed_then_tags(self, error: BaseException) -> None:
        self.load_tags()
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.greeting.setText(f"<span style='color:#d93025'>工作台数据读取失败：{error}</span>")

    def _show(self, figures: tuple[DashboardCounts, GroupLightPolicy, int]) -> None:
        lg = self.ctx.ledger
        counts, policy, warn = figures
        self._tiles["due_soon"].caption.setText(f"{warn}日内到期")
        self._tiles["due_soon"].setToolTip(f"点击查看：{warn}日内到期")
        values = {
            "total": counts.total,
            **counts.tally,
            "overdue": counts.overdue,
            "due_soon": counts.due_soon,
            "new_week": counts.new_this_week,
            "closed_week": counts.closed_this_week,
        }
        for key, value in values.items():
            self._tiles[key].set_value(f"{value:,}")
        self._tiles["rate"].set_value(f"{counts.closure_rate:.1%}")

        towns = []
        for township in lg.catalog.townships():
            total = sum(
                n for (tid, state), n in counts.by_township_state.items() if tid == township.id and state != "void"
            )
            done = counts.by_township_state.get((township.id, "closed"), 0)
            if total:
                lamp = policy.light(total, done, counts.overdue_by_township.get(township.id, 0))
                colour = LIGHT_COLOURS[lamp].name() if lamp else "#188038"
                towns.append((township.name, done / total, f"{done / total:.1%}", colour, township.id))
        towns.sort(key=lambda bar: -bar[1])
        self._town_ids = [bar[4] for bar in towns]
        self.township_chart.set_bars([bar[:4] for bar in towns])
        names = lg.catalog.category_names
        cats = []
        most = max(
            (sum(n for (c, s), n in counts.by_category_state.items() if c == code and s != "void") for code in names),
            default=0,
        )
        for code, name in names.items():
            total = sum(n for (c, s), n in counts.by_category_state.items() if c == code and s != "void")
            done = counts.by_category_state.get((code, "closed"), 0)
            if total:
                cats.append((name, total / most if most else 0.0, f"{done:,}/{total:,}"))
        self.category_chart.set_bars(cats)
        self._titles()
        still_open = counts.total - counts.tally.get("closed", 0)
        self.greeting.setText(
            f"<b>{self.ctx.actor.display_name}</b>（{self.ctx.role_names}），今天是 "
            f"{lg.today().year}年{lg.today().month}月{lg.today().day}日。"
            f"未销号问题 {still_open:,} 个：待交办 {counts.tally.get('unassigned', 0):,} 个，"
            f"整改时限内 {counts.within_deadline:,} 个，逾期 {counts.overdue:,} 个。"
        )
