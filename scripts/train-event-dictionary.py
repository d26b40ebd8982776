#!/usr/bin/env python3
"""Trains the zstd dictionary SQLite rows pack events' JSON with (store/src/packed_json.rs).

    pip install zstandard
    python3 scripts/train-event-dictionary.py DATABASE ID OUT

DATABASE: a SQLite database filled by the load generator (from an earlier build, whose rows
are plain JSON). ID: the new dictionary's number, never one used before: rows keep the number
of the dictionary that packed them, and each dictionary ever shipped stays in the binary.
OUT: store/dictionaries/events-ID.zdict. Small numbers take one byte in each packed value.
"""
import sqlite3
import sys

import zstandard

database, dict_id, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = sqlite3.connect(database).execute(
    "SELECT device_json, checks_json, signals_json FROM events WHERE typeof(device_json) = 'text' "
    "ORDER BY random() LIMIT 4000"
).fetchall()
samples = [column.encode() for row in rows for column in row]
dictionary = zstandard.train_dictionary(16384, samples, level=3, dict_id=dict_id)
open(out, "wb").write(dictionary.as_bytes())
print(f"{out}: {len(dictionary.as_bytes())} bytes from {len(samples)} samples")
