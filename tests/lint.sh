#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `make lint`: formatting (clang-format), static analysis (cppcheck), and
# the layer rules of doc/ARCHITECTURE.md read from #include lines:
#   core  -> core headers and side-effect-free libc headers only
#   conf  -> core, conf, libc (file reading), never <netdb.h> (no DNS)
#   ctl   -> core, ctl, side-effect-free libc
#   os    -> os, libc and kernel headers only
#   nts   -> core, conf, nts, os, libc, OpenSSL and nettle
#   daemon, cli -> anything
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0
C_FILES=$(ls src/*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tests/tools/*.c tests/sim/*.[ch] bench/*.c)

echo "== clang-format"
if ! clang-format --dry-run -Werror $C_FILES; then
	echo "  run: clang-format -i \$(git ls-files '*.[ch]')"
	bad=1
fi

echo "== cppcheck"
cppcheck --std=c11 --enable=warning,portability,performance \
	--error-exitcode=1 --inline-suppr -q -D_GNU_SOURCE -Isrc \
	src tests/unit tests/fuzz tests/tools tests/sim bench || bad=1

echo "== include layers"
PURE_LIBC='stdint.h|stddef.h|stdbool.h|string.h|limits.h|inttypes.h|math.h'
# layer_check LAYER ALLOWED-LOCAL-REGEX ALLOWED-SYSTEM-REGEX
layer_check() {
	local f line inc
	for f in src/$1/*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r line; do
			inc=$(sed -E 's/^#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/' <<<"$line")
			case $line in
			*'"'*) grep -qE "^($2)/" <<<"$inc" && continue ;;
			*) grep -qE "^($3)$" <<<"$inc" && continue ;;
			esac
			echo "  $f: $1 may not include $inc"
			bad=1
		done < <(grep -E '^#[[:space:]]*include' "$f")
	done
}
layer_check core 'core' "$PURE_LIBC"
layer_check ctl 'core|ctl' "$PURE_LIBC"
layer_check conf 'core|conf' "$PURE_LIBC|stdio.h|stdarg.h|stdlib.h|errno.h|ctype.h|sys/stat.h|sys/types.h|arpa/inet.h|netinet/in.h|sys/socket.h|libgen.h|unistd.h|fcntl.h"
layer_check os 'os' '[a-z0-9_/]+\.h'
layer_check nts 'core|conf|nts|os' '[a-z0-9_/-]+\.h'
# auth: keys and MACs; libcrypto and file reading, nothing of the daemon
layer_check auth 'core|auth' "$PURE_LIBC|stdio.h|stdarg.h|stdlib.h|errno.h|fcntl.h|unistd.h|sys/stat.h|openssl/[a-z_]+\.h"

echo "== banned calls"
if grep -nE '\b(sprintf|strcpy|strcat|gets|strtok|atoi|alloca|system|popen)[[:space:]]*\(' src/*/*.c; then
	bad=1
fi
if grep -nE '(^|[^_a-z])select[[:space:]]*\(' src/*/*.c; then
	bad=1
fi

echo "== man pages"
# Each page renders without a warning (groff -ww; man -l as a reader sees
# it), and every directive of README.md's configuration table is in
# stratum.conf(5).
if command -v groff >/dev/null 2>&1; then
	for m in man/*.[1-8]; do
		w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
		if command -v man >/dev/null 2>&1; then
			w="$w$(MANWIDTH=80 man -l "$m" 2>&1 >/dev/null)"
		fi
		if [ -n "$w" ]; then
			echo "  $m:"
			sed 's/^/    /' <<<"$w"
			bad=1
		fi
	done
else
	echo "  groff not installed (apt-get install groff-base): pages not rendered"
	bad=1
fi
for d in $(sed -n '/^| directive | meaning/,/^$/s/^| `\([a-z]*\).*/\1/p' README.md); do
	grep -qF -e "\\fB$d " -e "\\fB$d\\fR" man/stratum.conf.5 ||
		{ echo "  man/stratum.conf.5 lacks the directive '$d' (run man/directives.py)"; bad=1; }
done

[ $bad -eq 0 ] && echo "lint: clean"
exit $bad
