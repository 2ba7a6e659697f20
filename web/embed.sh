#!/bin/sh
# SPDX-License-Identifier: ISC
# embed.sh IN OUT: the status page IN as a C string, web_page[] in OUT
# (backslashes, quotes and question marks escaped, so that no trigraph
# forms; one string literal per line).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 IN OUT" >&2; exit 2; }
{
	echo "/* generated from $1 by web/embed.sh: do not edit */"
	echo '#include "cli/web.h"'
	echo 'const char web_page[] ='
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/	/\\t/g' \
		-e 's/^/	"/' -e 's/$/\\n"/' "$1"
	echo '	;'
} >"$2.tmp"
mv "$2.tmp" "$2"
