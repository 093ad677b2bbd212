#!/usr/bin/env python3
"""Turns the output of `make bench` (or of one benchmark script) into JSON files under
benchmarks/results/, one per benchmark run, so the figures quoted in README.md are kept with
the commit and machine they were measured on.

Usage: benchmarks/record.py BENCH_OUTPUT.log
"""
import json
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True).stdout.strip()
runs, current = [], None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    header = re.match(r"Switchboard (\w+) benchmark \((\S+), (\d+) cores, (\w+)(?:, (.*))?\)", line)
    if header:
        current = {"benchmark": header.group(1), "date": header.group(2), "cores": int(header.group(3)),
                   "database": header.group(4).lower(), "setup": header.group(5) or "", "commit": commit, "figures": {}}
        runs.append(current)
        continue
    text = line.rstrip("\n")
    figure = re.match(r"  (\S.*?)\s{2,}(\S.*)$", text) or re.match(r"  (\S.*\S)\s+([\d.]+)$", text)
    if current is not None and figure:
        current["figures"][figure.group(1)] = figure.group(2)
for run in runs:
    # The commit in the name keeps several runs of one day apart.
    name = f"{run['date']}-{run['benchmark']}-{run['database']}-{commit}.json"
    with open(os.path.join(here, "results", name), "w") as file:
        json.dump(run, file, indent=2)
        file.write("\n")
    print("wrote benchmarks/results/" + name)
