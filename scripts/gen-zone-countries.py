#!/usr/bin/env python3
"""Writes data/zone-countries.tsv (time zone -> countries) and data/country-places.tsv (country ->
its zones' cities) from the system's tz database."""
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


def degrees(text: str, width: int) -> float:
    """ISO 6709 `+DDMM` / `+DDMMSS` (or `DDD` for longitudes) as decimal degrees."""
    sign = -1 if text[0] == "-" else 1
    d, rest = int(text[1:1 + width]), text[1 + width:]
    m, s = int(rest[:2]), int(rest[2:4] or 0)
    return sign * (d + m / 60 + s / 3600)


# The principal city of each zone stands for where a country is: IMPOSSIBLE_TRAVEL measures
# the shortest distance between two countries' cities.
places: dict[str, set[tuple[float, float]]] = {}
for cc, coords, *_ in rows("zone.tab"):
    split = max(coords.rfind("+"), coords.rfind("-"))
    lat, lon = coords[:split], coords[split:]
    places.setdefault(cc, set()).add((round(degrees(lat, 2), 2), round(degrees(lon, 3), 2)))

out = pathlib.Path(__file__).resolve().parent.parent / "data" / "country-places.tsv"
with out.open("w") as f:
    f.write("# ISO 3166 country -> latitude,longitude of its time zones' principal cities, from the tz\n")
    f.write("# database's zone.tab (public domain). Regenerate with scripts/gen-zone-countries.py.\n")
    for cc in sorted(places):
        f.write(f"{cc}\t{';'.join(f'{lat},{lon}' for lat, lon in sorted(places[cc]))}\n")
