#!/usr/bin/env python3
"""Prints the figures of one benchmark log (benchmarks/all-databases.sh) as one Markdown table,
a row per figure and a column per database, as the README quotes them.

Usage: benchmarks/table.py BENCH_OUTPUT.log
"""
import re
import sys

columns, rows, current = [], {}, None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    header = re.match(r"Switchboard (\w+) benchmark \((\S+), (\d+) cores, (\w+)", line)
    if header:
        current = {"sqlite": "SQLite", "postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MariaDB", "mariadb": "MariaDB"}.get(header.group(4).lower(), header.group(4))
        if current not in columns:
            columns.append(current)
        continue
    text = line.rstrip("\n")
    figure = re.match(r"  (\S.*?)\s{2,}(\S.*)$", text) or re.match(r"  (\S.*\S)\s+([\d.]+)$", text)
    if current and figure:
        rows.setdefault(figure.group(1), {})[current] = figure.group(2)
print("| figure | " + " | ".join(columns) + " |")
print("|---|" + "---|" * len(columns))
for name, values in rows.items():
    print(f"| {name} | " + " | ".join(values.get(column, "—") for column in columns) + " |")
