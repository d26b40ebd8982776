#!/usr/bin/env python3
"""Writes data/zone-countries.tsv (time zone -> countries) from the system's tz database."""
import pathlib
import sys

tz = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/zoneinfo")
zones: dict[str, set[str]] = {}


def rows(name):
    for line in (tz / name).read_text().splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


for cc, _, zone, *_ in rows("zone.tab"):
    zones.setdefault(zone, set()).add(cc)
for ccs, _, zone, *_ in rows("zone1970.tab"):
    zones.setdefault(zone, set()).update(ccs.split(","))
# Old names (Asia/Calcutta) are links to current ones and still sent by some browsers.
for line in (tz / "tzdata.zi").read_text().splitlines():
    if line.startswith("L "):
        _, target, alias = line.split()
        if target in zones and alias not in zones:
            zones[alias] = set(zones[target])

out = pathlib.Path(__file__).resolve().parent.parent / "data" / "zone-countries.tsv"
with out.open("w") as f:
    f.write("# IANA time zone -> ISO 3166 countries where it is used, from the tz database's zone.tab,\n")
    f.write("# zone1970.tab and links (public domain). Regenerate with scripts/gen-zone-countries.py.\n")
    for zone in sorted(zones):
        f.write(f"{zone}\t{','.join(sorted(zones[zone]))}\n")
