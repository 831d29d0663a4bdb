#!/usr/bin/env bash
# Style gate for the C sources under lib/ fcgi/ importer/ probe/ tests/: clang-format
# with the repo's .clang-format must change nothing, and no banned function (unbounded
# or unchecked string and number handling) may be called. Offences print as
# file:line; exit status 1 if there are any. Run from anywhere.
set -euo pipefail

# Calls that are banned; extend here. Matched as whole words followed by "(", outside
# comments and string literals, so snprintf, vsnprintf, fgets, strtok_r still pass.
BANNED=(sprintf vsprintf strcpy strcat atoi atol atof gets strtok strncpy strncat)
DIRS=(lib fcgi importer probe tests)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

existing=()
for d in "${DIRS[@]}"; do
	[[ -d $d ]] && existing+=("$d")
done
files=()
if [[ ${#existing[@]} -gt 0 ]]; then
	while IFS= read -r -d '' f; do
		files+=("$f")
	done < <(find "${existing[@]}" -type d \( -name 'build*' -o -name node_modules \) \
		-prune -o -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
fi
if [[ ${#files[@]} -eq 0 ]]; then
	echo "check-style: no C sources yet"
	exit 0
fi

status=0

# clang-format reports every token it would move, with source and caret lines;
# keep one "file:line" per line, at most 10 per file.
if ! fmt_out=$(clang-format --style=file --dry-run --Werror "${files[@]}" 2>&1); then
	unformatted=$(printf '%s\n' "$fmt_out" |
		sed -n 's/^\(.*\):\([0-9][0-9]*\):[0-9][0-9]*: error: code should be clang-formatted.*/\1 \2/p' |
		uniq)
	if [[ -z $unformatted ]]; then
		printf '%s\n' "$fmt_out" >&2 # clang-format itself failed
	else
		awk '{ n[$1]++; if (n[$1] <= 10) print $1 ":" $2 ": not clang-formatted";
			else if (n[$1] == 11) print $1 ": ... more lines" }' <<<"$unformatted"
		echo "check-style: $(cut -d' ' -f1 <<<"$unformatted" | sort -u | wc -l) file(s)" \
			"need clang-format -i --style=file FILE" >&2
	fi
	status=1
fi

if ! python3 - "${BANNED[*]}" "${files[@]}" <<'EOF'; then
import re
import sys

banned = sys.argv[1].split()
call = re.compile(r"\b(" + "|".join(map(re.escape, banned)) + r")\s*\(")


def blank_comments_and_strings(text):
    """Replaces comments and string/char literals by spaces, keeping newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1 : j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


bad = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    lines = text.split("\n")
    code = blank_comments_and_strings(text).split("\n")
    for no, line in enumerate(code, 1):
        for m in call.finditer(line):
            print(f"{path}:{no}: banned function {m.group(1)}(): {lines[no - 1].strip()}")
            bad += 1
if bad:
    print(f"check-style: {bad} banned call(s); use snprintf, memcpy after a length "
          "check, strtol/strtoul with range checks", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
	status=1
fi

if [[ $status -eq 0 ]]; then
	echo "check-style: ${#files[@]} files OK"
fi
exit "$status"
