#!/usr/bin/env python3
"""Writes libFuzzer seeds from the parser fixtures (Tests/IMAPCoreTests/Fixtures/*.txt, format in
its README.txt): each fixture's whole input, and each response in it (a line, with the bytes of
any literal it announces) as a seed of its own.

usage: scripts/fuzz-seeds.py FIXTURES_DIR OUT_DIR
"""
import hashlib
import os
import re
import sys

LITERAL = re.compile(rb"~?\{(\d{1,9})[+-]?\}\r?\n$")


def unescape(text):
    out = bytearray()
    data = text.encode()
    i = 0
    while i < len(data):
        b = data[i]
        i += 1
        if b != 0x5C or i >= len(data):
            out.append(b)
            continue
        c = data[i]
        i += 1
        if c == ord("r"):
            out.append(0x0D)
        elif c == ord("n"):
            out.append(0x0A)
        elif c == ord("t"):
            out.append(0x09)
        elif c == 0x5C:
            out.append(0x5C)
        elif c == ord("x") and i + 2 <= len(data):
            out.append(int(data[i:i + 2], 16))
            i += 2
        else:
            out += bytes([0x5C, c])
    return bytes(out)


def fixture_inputs(path):
    inputs = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.startswith("=== "):
            inputs.append(bytearray())
        elif line.startswith("<< ") and inputs:
            inputs[-1] += unescape(line[3:])
    return [bytes(i) for i in inputs if i]


def responses(data):
    """Splits at line ends, carrying announced literals (and the line after them) along."""
    out, start, i = [], 0, 0
    while i < len(data):
        lf = data.find(b"\n", i)
        if lf < 0:
            break
        m = LITERAL.search(data[start:lf + 1])
        if m:
            i = lf + 1 + int(m.group(1))
            continue
        out.append(data[start:lf + 1])
        start = i = lf + 1
    if start < len(data):
        out.append(data[start:])
    return out


def main():
    fixtures, target = sys.argv[1], sys.argv[2]
    os.makedirs(target, exist_ok=True)
    seeds = set()
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".txt") and name != "README.txt":
            for data in fixture_inputs(os.path.join(fixtures, name)):
                seeds.add(data)
                seeds.update(r for r in responses(data) if r)
    for seed in seeds:
        with open(os.path.join(target, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
    print(len(seeds))


if __name__ == "__main__":
    main()
