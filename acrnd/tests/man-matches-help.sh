#!/bin/sh
# acrnd.8 stays true to `acrnd --help`: the same options, the same
# defaults, and no groff warnings.  Prints TAP.
# Environment: ACRND (the built daemon), ACRND_MAN (the generated page).
set -u
acrnd=${ACRND:-acrnd}
page=${ACRND_MAN:-acrnd.8}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

echo "1..3"
"$acrnd" --help > "$tmp/help" || { echo "Bail out! $acrnd --help failed"; exit 1; }
# Options in --help: the option column of each entry.
sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' "$tmp/help" | sort -u > "$tmp/help-opts"
# Options documented in the OPTIONS section of the page (.TP entries).
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | sed 's/\\-/-/g' |
	grep -o -- '--[a-z][a-z-]*' | sort -u > "$tmp/man-opts"
if diff -u "$tmp/help-opts" "$tmp/man-opts" > "$tmp/diff"; then
	ok "the same options in --help and the man page ($(wc -l < "$tmp/help-opts"))"
else
	notok "options differ (- only in --help, + only in the man page)"
	sed 's/^/# /' "$tmp/diff"
fi

# Every "(default X)" of --help appears in the page.  Values are read
# whole, one a line: an install prefix may hold spaces, "_" or ")".
# The page as plain text: the escapes man-subst.awk adds are undone
# (\: break points, \- \(dq and "\ "), "\e" last so that it cannot
# form a new escape.
missing=
sed 's/\\://g; s/\\-/-/g; s/\\(dq/"/g; s/\\ / /g; s/\\e/\\/g' "$page" > "$tmp/page"
sed -n 's/.*(default \(.*\))$/\1/p' "$tmp/help" > "$tmp/defaults"
while IFS= read -r d; do
	grep -qF -- "$d" "$tmp/page" || missing="$missing '$d'"
done < "$tmp/defaults"
if [ ! -s "$tmp/defaults" ]; then
	notok "no \"(default ...)\" found in --help"
elif [ -z "$missing" ]; then
	ok "every default of --help is in the man page"
else
	notok "defaults missing from the man page:$missing"
fi

if command -v groff > /dev/null; then
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" > "$tmp/groff" 2>&1
	if [ -s "$tmp/groff" ]; then
		notok "groff warnings"
		sed 's/^/# /' "$tmp/groff"
	else
		ok "groff -man -ww: no warnings"
	fi
else
	ok "# SKIP groff is not installed"
fi
exit $fail
