"""工作台: the ten headline numbers, closure rate by township, cases by category, 待我处理 and the
overdue list. Every number opens the ledger filtered to what it counts."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ledger import CaseFilter
from ledger.services.queries import DEADLINE_STATES
from ui.context import AppContext
from ui.models import CaseTableModel
from ui.widgets import BarChart, Tile, make_table

ACTIVE_STATES = ("assigned", "in_progress")


class DashboardPage(QWidget):
    open_filter = Signal(object, str)  # (CaseFilter, caption)
    open_case = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        today = ctx.ledger.today()
        week_start = today - dt.timedelta(days=today.weekday())
        warn = int(ctx.ledger.meta("warn_days", "3"))
        self._tiles: dict[str, Tile] = {}
        spec = [
            ("total", "累计发现", "#1a73e8", CaseFilter(include_void=False)),
            ("active", "整改中", "#1a73e8", CaseFilter(states=ACTIVE_STATES)),
            ("pending_verification", "待核验", "#e37400", CaseFilter(states=("pending_verification",))),
            ("pending_approval", "待审批", "#e37400", CaseFilter(states=("pending_approval",))),
            ("closed", "已销号", "#188038", CaseFilter(states=("closed",))),
            ("rate", "销号率", "#188038", CaseFilter(states=("closed",))),
            ("overdue", "逾期", "#d93025", CaseFilter(light="red")),
            ("due_soon", f"{warn}日内到期", "#f2a600", CaseFilter(light="yellow")),
            ("new_week", "本周新增", "#1a73e8", CaseFilter(found_from=week_start, include_void=False)),
            ("closed_week", "本周销号", "#188038", CaseFilter(closed_from=week_start, states=("closed",))),
        ]
        grid = QGridLayout()
        for i, (key, caption, colour, flt) in enumerate(spec):
            tile = Tile(caption, colour)
            tile.clicked.connect(lambda f=flt, c=caption: self.open_filter.emit(f, c))
            self._tiles[key] = tile
            grid.addWidget(tile, i // 5, i % 5)

        self.township_chart = BarChart("各乡镇销号率", "#188038")
        self.category_chart = BarChart("各类问题数量（已销号/累计）", "#1a73e8")
        charts = QHBoxLayout()
        charts.addWidget(self.township_chart, 1)
        charts.addWidget(self.category_chart, 1)

        self.tasks = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        self.tasks.filter = CaseFilter(tasks_of=ctx.actor)
        self.overdue = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        self.overdue.filter = CaseFilter(light="red")
        for model in (self.tasks, self.overdue):  # the most urgent first
            model.sort_key, model.descending = "deadline", False
        lists = QHBoxLayout()
        self.tasks_box = QGroupBox("待我处理")
        self.overdue_box = QGroupBox("逾期问题")
        self.views = []
        for box, model in ((self.tasks_box, self.tasks), (self.overdue_box, self.overdue)):
            view = make_table(model)
            self.views.append(view)
            for key in ("township", "village", "id_number", "found"):
                view.setColumnHidden(next(i for i, c in enumerate(model.columns) if c.key == key), True)
            view.activated.connect(lambda index, m=model: self.open_case.emit(m.data(index, Qt.ItemDataRole.UserRole)))
            view.setMinimumHeight(220)
            inner = QVBoxLayout(box)
            inner.addWidget(view)
            lists.addWidget(box, 1)

        self.greeting = QLabel()
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.greeting)
        layout.addLayout(grid)
        layout.addLayout(charts)
        layout.addLayout(lists, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        ctx.changed.connect(lambda _change: self.refresh())

    def refresh(self) -> None:
        lg = self.ctx.ledger
        counts = lg.queries.dashboard(visible_to=self.ctx.actor)
        by_state = counts.by_state
        closed = by_state.get("closed", 0)
        values = {
            "total": counts.total,
            "active": sum(by_state.get(s, 0) for s in ACTIVE_STATES),
            "pending_verification": by_state.get("pending_verification", 0),
            "pending_approval": by_state.get("pending_approval", 0),
            "closed": closed,
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
                towns.append((township.name, done / total, f"{done / total:.1%}"))
        towns.sort(key=lambda bar: -bar[1])
        self.township_chart.set_bars(towns)
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
        self.tasks.reload()
        self.overdue.reload()
        self.tasks_box.setTitle(f"待我处理（{self.tasks.rowCount():,}）")
        self.overdue_box.setTitle(f"逾期问题（{self.overdue.rowCount():,}）")
        self.greeting.setText(
            f"<b>{self.ctx.actor.display_name}</b>（{self.ctx.role_names}），今天是 {lg.today():%Y年%m月%d日}。"
            f"整改时限内的问题共 {sum(by_state.get(s, 0) for s in DEADLINE_STATES):,} 个。"
        )
