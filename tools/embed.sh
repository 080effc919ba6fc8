#!/bin/sh
# embed.sh FILE SYMBOL: print a C file that defines `const char SYMBOL[]` holding FILE's
# bytes (NUL-terminated) and `const unsigned long SYMBOL_len`.
set -e
file=$1; sym=$2
echo "/* generated from $file by tools/embed.sh; do not edit */"
echo "const char ${sym}[] = {"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/    /'
echo "    0x00 };"
echo "const unsigned long ${sym}_len = sizeof ${sym} - 1;"
