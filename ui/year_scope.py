"""The 统计年度 selector (全部年度 / each year the ledger holds / 自定义区间) used by the 工作台 and the
报表中心; it yields a ledger.scope.Scope (None = 全部年度) and says what the figures count."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from ledger.facade import Ledger
from ledger.scope import Scope, first_year, label
from ui.common import from_qdate, to_qdate
from ui.ops import ops

CUSTOM = "custom"


class YearScope(QWidget):
    changed = Signal()

    def __init__(self, first_year: int, today: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("yearScope")
        self.combo.addItem("全部年度", None)
        for year in range(today.year, min(first_year, today.year) - 1, -1):
            self.combo.addItem(f"{year}年度", year)
        self.combo.addItem("自定义区间", CUSTOM)
        self.start, self.end = QDateEdit(to_qdate(dt.date(today.year, 1, 1))), QDateEdit(to_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._range_changed)
        self.to_label = QLabel("至")
        self.rule = QLabel()
        self.rule.setToolTip("统计年度：当年发现的问题，加上以前年度发现、至今仍未销号的问题（结转）")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("统计年度："))
        row.addWidget(self.combo)
        for w in (self.start, self.to_label, self.end):
            row.addWidget(w)
        row.addWidget(self.rule)
        row.addStretch(1)
        self.combo.currentIndexChanged.connect(self._picked)
        self._picked()

    def _custom(self) -> bool:
        return self.combo.currentData() == CUSTOM

    def _picked(self) -> None:
        for w in (self.start, self.to_label, self.end):
            w.setVisible(self._custom())
        self._range_changed()

    def _range_changed(self) -> None:
        self.end.setMinimumDate(self.start.date())  # never a reversed range
        self.rule.setText(f"统计范围：{label(self.scope())}")
        self.changed.emit()

    def scope(self) -> Scope | None:
        """The chosen scope (None = 全部年度)."""
        data = self.combo.currentData()
        if data == CUSTOM:
            return Scope.parse(None, from_qdate(self.start.date()), from_qdate(self.end.date()))
        return Scope(year=int(data)) if data is not None else None

    def read_years(self, ledger: Ledger) -> None:
        """Read the ledger's earliest year on the operations thread and offer the years back to it: a
        page builds its selector with this year alone and never waits on the MIN(found_date)."""
        ops().run(lambda: first_year(ledger), self.reach, lambda _error: None, owner=self)  # keeps this year

    def reach(self, first_year: int) -> None:
        """Offer the years back to `first_year` too: a page built before the ledger's earliest year was
        read (on the operations thread) learns it here. The choice stands; nothing is emitted."""
        years = [self.combo.itemData(i) for i in range(self.combo.count())]
        earliest = min(y for y in years if isinstance(y, int))
        self.combo.blockSignals(True)
        for year in range(earliest - 1, first_year - 1, -1):
            self.combo.insertItem(self.combo.count() - 1, f"{year}年度", year)  # before 自定义区间
        self.combo.blockSignals(False)

    def choose(self, year: int | None) -> None:
        self.combo.setCurrentIndex(self.combo.findData(year))
