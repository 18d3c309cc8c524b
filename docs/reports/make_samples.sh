#!/usr/bin/env bash
# Regenerates the sample reports in this folder from a fresh 2,000-case demo ledger, and a PNG of
# the first page of each (pdftoppm, 80 dpi). Run from the repository root:
#   bash docs/reports/make_samples.sh
# The demo's accounts share the password Demo#2026 (given on standard input, as a script would).
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ZGTZ_DATA_DIR="$work/data"
"$py" main.py demo --db "$work/示例.db" --cases 2000 >/dev/null
db="$work/示例.db"
case_no=$(sqlite3 "$db" "SELECT number FROM cases WHERE state = 'closed' AND id IN (SELECT case_id FROM evidence) ORDER BY id LIMIT 1")
id_no=$(sqlite3 "$db" "SELECT h.head_id_number FROM households h ORDER BY (SELECT count(*) FROM cases c WHERE c.household_id = h.id) DESC, h.id LIMIT 1")
out=docs/reports
report() { echo 'Demo#2026' | "$py" main.py report "$@" --db "$db" --user tongchou --password-stdin >/dev/null; }
report ledger -o "$out/问题整改台账.pdf" --township 城关镇 --reviewer 王审核
report ledger -o "$out/问题整改台账-完整A3.pdf" --township 城关镇 --village "$(sqlite3 "$db" "SELECT r.name FROM regions r JOIN cases c ON c.village_id = r.id WHERE r.parent_id = (SELECT id FROM regions WHERE name = '城关镇') GROUP BY r.id ORDER BY count(*) DESC LIMIT 1")" --profile full --paper A3
report weekly -o "$out/整改进度周报.pdf"
report timetable -o "$out/整改时间表.pdf" --township 城关镇
report closure -o "$out/销号审批表.pdf" --case "$case_no"
report household -o "$out/一户一档.pdf" --household "$id_no"
report letter -o "$out/督办函.pdf" --department 县住建局
report reminders -o "$out/到期提醒清单.pdf"
for pdf in "$out"/*.pdf; do
  pdftoppm -r 80 -png -f 1 -l 1 -singlefile "$pdf" "${pdf%.pdf}"
done
ls -la "$out"
