"""部门比对: a department roster (医保参保名单, 学籍, 危房鉴定, 供水/水质检测) compared with the
households of the ledger (issue 15 item 4).

- config.py: the rules as data (resources/seed/compare_rules.json);
- reader.py: the roster read with the import's hostile-file rules and a header detected by the
  kind's column synonyms;
- matcher.py: roster rows matched to the people of the ledger (households' heads and members), by
  ID number, else by name + village (a weak match);
- rules.py: the candidates each kind's rules find.

ledger/services/compare.py runs them against the database and keeps the findings.
"""
