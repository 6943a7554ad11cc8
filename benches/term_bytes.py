#!/usr/bin/env python3
"""Where a console's bytes to the terminal go: a breakdown of part of a
`script` typescript by screen row and by kind of byte.

    term_bytes.py TYPESCRIPT START END SECONDS [TOP]

START and END are byte offsets into TYPESCRIPT (the measured window); the
bytes before START are replayed only to know where the cursor is. Each byte
of the window is charged to the row the cursor is on when it is written
(a cursor move to the row it moves to), and to one kind: cursor moves,
colours and attributes (SGR), text, or other control sequences
(synchronized-output markers, cursor visibility, erase). Prints bytes per
second for each kind and for the TOP rows (default 8), each with what the
row shows at the end of the window.
"""
import re
import sys

CSI = re.compile(rb"\x1b\[([0-9;?<=>]*)([ -/]*)([@-~])")
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def params(raw, default=1):
    out = []
    for p in raw.lstrip(b"?<=>").split(b";"):
        out.append(int(p) if p.isdigit() else default)
    return out or [default]


def main():
    path, start, end, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    data = open(path, "rb").read()[:end]
    row, col = 1, 1
    screen = {}
    by_row = {}
    by_kind = {"cursor moves": 0, "colours/attributes": 0, "text": 0, "other": 0}
    i = 0
    while i < len(data):
        counted = i >= start
        m = CSI.match(data, i) if data[i] == 0x1B else None
        if m:
            n = m.end() - i
            final = m.group(3)
            kind = "other"
            if final in b"Hf":
                p = params(m.group(1))
                row, col = p[0], (p[1] if len(p) > 1 else 1)
                kind = "cursor moves"
            elif final in b"ABCDGd" and not m.group(1).startswith(b"?"):
                p = params(m.group(1))[0]
                if final == b"A":
                    row -= p
                elif final == b"B":
                    row += p
                elif final == b"C":
                    col += p
                elif final == b"D":
                    col -= p
                elif final == b"G":
                    col = p
                else:
                    row = p
                kind = "cursor moves"
            elif final == b"m":
                kind = "colours/attributes"
            if counted:
                by_kind[kind] += n
                by_row[row] = by_row.get(row, 0) + n
            i = m.end()
            continue
        m = OSC.match(data, i) if data[i] == 0x1B else None
        if m or data[i] < 0x20 or data[i] == 0x7F:
            n = (m.end() - i) if m else 1
            if data[i] == 0x0D:
                col = 1
            elif data[i] == 0x0A:
                row += 1
            if counted:
                by_kind["other"] += n
                by_row[row] = by_row.get(row, 0) + n
            i += n
            continue
        # One character: its UTF-8 length in bytes, one column.
        lead = data[i]
        n = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        screen[(row, col)] = data[i:i + n].decode("utf-8", "replace")
        col += 1
        if counted:
            by_kind["text"] += n
            by_row[row] = by_row.get(row, 0) + n
        i += n
    total = sum(by_kind.values())
    print(f"  {total / seconds:.1f} B/s to the terminal over {seconds:.0f} s")
    print("  by kind: " + ", ".join(f"{k} {v / seconds:.1f}" for k, v in by_kind.items()))
    print("  by screen row (B/s, what the row shows):")
    for r, n in sorted(by_row.items(), key=lambda kv: -kv[1])[:top]:
        width = max((c for (rr, c) in screen if rr == r), default=0)
        shown = "".join(screen.get((r, c), " ") for c in range(1, width + 1)).strip()
        shown = re.sub(r"\s{3,}", "  ", shown)
        print(f"    row {r:>3} {n / seconds:7.1f}  {shown[:90]}")


if __name__ == "__main__":
    main()
