#!/usr/bin/env bash
# Regenerates the sample reports in this folder from a fresh 2,000-case demo ledger, and a PNG of
# the first page of each (pdftoppm, 80 dpi). Run from the repository root:
#   bash docs/reports/make_samples.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
export ZGTZ_DATA_DIR="$work/data"
"$py" main.py demo --db "$work/示例.db" --cases 2000 >/dev/null
db="$work/示例.db"
case_no=$(sqlite3 "$db" "SELECT number FROM cases WHERE state = 'closed' ORDER BY id LIMIT 1")
id_no=$(sqlite3 "$db" "SELECT h.head_id_number FROM households h ORDER BY (SELECT count(*) FROM cases c WHERE c.household_id = h.id) DESC, h.id LIMIT 1")
out=docs/reports
"$py" main.py report ledger --db "$db" -o "$out/问题整改台账.pdf" --township 城关镇 --user tongchou 2>/dev/null
"$py" main.py report weekly --db "$db" -o "$out/整改进度周报.pdf" --user tongchou 2>/dev/null
"$py" main.py report timetable --db "$db" -o "$out/整改时间表.pdf" --township 城关镇 --user tongchou 2>/dev/null
"$py" main.py report closure --db "$db" -o "$out/销号审批表.pdf" --case "$case_no" --user tongchou 2>/dev/null
"$py" main.py report household --db "$db" -o "$out/一户一档.pdf" --household "$id_no" --user tongchou 2>/dev/null
"$py" main.py report letter --db "$db" -o "$out/督办函.pdf" --department 县住建局 --user tongchou 2>/dev/null
for pdf in "$out"/*.pdf; do
  pdftoppm -r 80 -png -f 1 -l 1 -singlefile "$pdf" "${pdf%.pdf}"
done
rm -rf "$work"
ls -la "$out"
