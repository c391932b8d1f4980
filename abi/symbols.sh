#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abi/symbols.sh SRCDIR LIBSHMAP LIBSHMAP_WIN32 VERSION
#
# Checks that each shared library exports exactly the functions its public
# headers declare for export, each under a version node of the version
# script: libshmap.so the SHMAP_API functions of include/shmap/ (in
# SHMAP_<major>.<minor> nodes) and the SHMAP__XLIB ones of src/internal.h
# (in SHMAP_PRIVATE_<VERSION>), libshmap-win32.so the SHMAP_W32API ones of
# include/win32/ (in SHMAP_WIN32_<major>.<minor> nodes); and that the
# SONAMEs are lib*.so.<major>. A function declared without a version-script
# entry is not exported, and fails here; so does one exported undeclared.
# Exit 0 pass, 1 fail.
set -u
src=$1 lib=$2 w32=$3 version=$4
major=${version%%.*}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
# What strips comments and leaves macros alone: gcc's -fpreprocessed (CC,
# or gcc where CC is clang, which has no such mode).
cpp=${CC:-cc}
if ! $cpp -fpreprocessed -E -x c /dev/null >/dev/null 2>&1; then
	cpp=gcc
fi

# decls MACRO HEADER...: the names of the functions declared with MACRO,
# comments and preprocessor lines left out.
decls() {
	m=$1
	shift
	for h in "$@"; do
		$cpp -w -fpreprocessed -dD -E -P -x c "$h" ||
			echo "cannot read $h" >"$tmp/cpp-failed"
	done | awk -v m="$m" '
		# s without its __attribute__((...)) parts.
		function noattr(s,    i, d, c) {
			while (match(s, /__attribute__[ \t]*\(/)) {
				i = RSTART + RLENGTH - 1
				d = 0
				for (; i <= length(s); i++) {
					c = substr(s, i, 1)
					if (c == "(")
						d++
					else if (c == ")" && --d == 0)
						break
				}
				s = substr(s, 1, RSTART - 1) " " substr(s, i + 1)
			}
			return s
		}
		cont { cont = /\\$/; next }
		/^[ \t]*#/ { cont = /\\$/; next }
		{ text = text " " $0 }
		END {
			n = split(text, st, /[;{}]/)
			for (i = 1; i <= n; i++) {
				s = st[i]
				if (!match(s, "(^|[^A-Za-z0-9_])" m "[^A-Za-z0-9_]"))
					continue
				s = noattr(substr(s, RSTART + RLENGTH))
				p = index(s, "(")
				if (!p)
					continue
				s = substr(s, 1, p - 1)
				if (match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
					s = substr(s, RSTART)
					sub(/[ \t]+$/, "", s)
					print s
				}
			}
		}' | LC_ALL=C sort -u
}

# exported LIB: "name node" for each symbol LIB defines and exports.
exported() {
	nm -D --defined-only "$1" | awk '$2 != "A" && NF >= 3 {
		n = $3; v = "(none)"
		i = index(n, "@")
		if (i) { v = substr(n, i); sub(/^@+/, "", v); n = substr(n, 1, i - 1) }
		print n, v
	}' | LC_ALL=C sort -u
}

# compare WHAT DECLARED EXPORTED MAP
compare() {
	cut -d' ' -f1 "$3" | LC_ALL=C sort -u >"$tmp/names"
	LC_ALL=C comm -23 "$2" "$tmp/names" >"$tmp/lost"
	LC_ALL=C comm -13 "$2" "$tmp/names" >"$tmp/leak"
	if [ -s "$tmp/lost" ]; then
		echo "FAIL $1: declared for export but not exported (add each to $4):"
		sed 's/^/    /' "$tmp/lost"
		fail=1
	fi
	if [ -s "$tmp/leak" ]; then
		echo "FAIL $1: exported but declared nowhere public (an internal symbol leaks through $4):"
		sed 's/^/    /' "$tmp/leak"
		fail=1
	fi
	echo "$1: $(wc -l <"$tmp/names") symbols exported, $(wc -l <"$2") declared"
}

# nodes WHAT EXPORTED NAMES PATTERN: the symbols of NAMES are in nodes
# matching the extended regular expression PATTERN.
nodes() {
	LC_ALL=C join "$3" "$2" | awk -v p="$4" -v w="$1" '
		$2 !~ ("^(" p ")$") {
			print "FAIL " w ": " $1 " is in version node " $2 \
			      ", expected one matching " p
			bad = 1
		}
		END { exit bad }' || fail=1
}

soname() {
	s=$(readelf -d "$1" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
	if [ "$s" != "$2" ]; then
		echo "FAIL $1: SONAME '$s', expected '$2'"
		fail=1
	fi
}

command -v nm >/dev/null && command -v readelf >/dev/null || {
	echo "nm and readelf (binutils) are needed"
	exit 1
}

# libshmap: the public functions and the private ones for libshmap-win32.
decls SHMAP_API "$src"/include/shmap/*.h >"$tmp/pub"
decls SHMAP__XLIB "$src/src/internal.h" >"$tmp/priv"
LC_ALL=C sort -u "$tmp/pub" "$tmp/priv" >"$tmp/decl"
exported "$lib" >"$tmp/exp"
compare libshmap "$tmp/decl" "$tmp/exp" src/shmap.map
nodes libshmap "$tmp/exp" "$tmp/pub" 'SHMAP_[0-9]+\.[0-9]+'
nodes libshmap "$tmp/exp" "$tmp/priv" "SHMAP_PRIVATE_$(echo "$version" | sed 's/\./\\./g')"
soname "$lib" "libshmap.so.$major"

# libshmap-win32.
decls SHMAP_W32API "$src"/include/win32/*.h >"$tmp/w32decl"
exported "$w32" >"$tmp/w32exp"
compare libshmap-win32 "$tmp/w32decl" "$tmp/w32exp" src/win32/shmap-win32.map
nodes libshmap-win32 "$tmp/w32exp" "$tmp/w32decl" 'SHMAP_WIN32_[0-9]+\.[0-9]+'
soname "$w32" "libshmap-win32.so.$major"

if [ -e "$tmp/cpp-failed" ]; then
	cat "$tmp/cpp-failed"
	fail=1
fi
[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
