#!/bin/sh
# Hypervisor size benchmark: prints the image's .text+.data bytes and the
# non-blank, non-comment lines of C, headers and assembly under hypervisor/
# (host unit tests excluded).
# Usage: hv-size.sh [path/to/acrn.elf] [path/to/hypervisor-source-dir]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
elf=${1:-hypervisor/acrn.elf}
src=${2:-$here/../hypervisor}
if [ -f "$elf" ]; then
	size -A "$elf" | awk '
		$1 == ".text" || $1 == ".multiboot" { text += $2 }
		$1 == ".data" || $1 == ".rodata" { data += $2 }
		$1 == ".bss" { bss += $2 }
		END {
			printf "hv_text_bytes %d\nhv_data_bytes %d\nhv_text_data_bytes %d\nhv_bss_bytes %d\n",
				text, data, text + data, bss
		}'
else
	echo "hv-size: $elf not built; skipping the image size" >&2
fi
find "$src" \( -path "$src/tests" -prune \) -o \( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print |
	sort | python3 -c '
import re, sys
totals = {"c": 0, "h": 0, "S": 0}
for path in sys.stdin.read().split():
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    n = 0
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("//"):
            continue
        if path.endswith(".S") and s.startswith("#") and not s.startswith(("#define", "#include", "#if", "#else", "#endif")):
            continue
        n += 1
    totals[path.rsplit(".", 1)[1]] += n
print("hv_sloc_c %d" % totals["c"])
print("hv_sloc_h %d" % totals["h"])
print("hv_sloc_asm %d" % totals["S"])
print("hv_sloc_total %d" % sum(totals.values()))
'
