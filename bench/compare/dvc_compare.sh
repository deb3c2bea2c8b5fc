#!/usr/bin/env bash
# The dataset workloads of bench/datasets through libmlops's CLI and through DVC (from PyPI, in its own venv),
# on the same files, one after the other: time and stored bytes side by side, and their ratios.
#
# Usage: bench/compare/dvc_compare.sh BUILD_DIR [SIZE_MB] [SMALL_FILES] [WORK_DIR]
#   BUILD_DIR    a meson build directory of libmlops (its src/cli/mlops is used)
#   SIZE_MB      size of the 1,000-file tree and of the CSV (default 1024)
#   SMALL_FILES  number of small files (default 100000; 0 skips that workload)
#   WORK_DIR     where data, stores and the DVC repository go (default ${TMPDIR:-/tmp}); removed at the end
# Workloads: (1) a tree of 1,000 files (half text-like, half random in 1 MiB runs): first commit / 'dvc add',
# then status and re-commit / re-add of the unchanged tree; (2) a CSV: commit, append 1% new rows, commit:
# new stored bytes (libmlops with --no-profile, as DVC computes no statistics; bench/datasets measures the default,
# which profiles the CSV); (3) SMALL_FILES files of 100..2,000 bytes: commit and status.
# libmlops runs with its default durability (objects synced before a commit returns); DVC does not fsync its
# cache. Both see the same files with a warm page cache (libmlops first, then DVC).
set -euo pipefail

DVC_VERSION=3.67.1
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: dvc_compare.sh BUILD_DIR [SIZE_MB] [SMALL_FILES] [WORK_DIR]}
size_mb=${2:-1024}
small=${3:-100000}
parent=${4:-${TMPDIR:-/tmp}}
mlops=$(cd "$build" && pwd)/src/cli/mlops
[ -x "$mlops" ] || { echo "dvc_compare.sh: no mlops binary at $mlops" >&2; exit 1; }

venv=$here/.venv-dvc
if [ ! -x "$venv/bin/dvc" ]; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q "dvc==$DVC_VERSION"
fi
dvc=$venv/bin/dvc
export DVC_NO_ANALYTICS=1

work=$(mktemp -d "$parent/dvc-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT
repo=$work/repo
store=$work/mlops-store
mkdir -p "$repo"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.1f}' if b else 'inf')" "$1" "$2"; }
bytes_of() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'; }
mb() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1e6:.2f}')" "$1"; }
# timed CMD...: prints the wall seconds; the CPU seconds (user + system, children included) go to $work/cpu.
# Wall time from the nanosecond clock (time(1) rounds to 10 ms).
timed() {
	local t0 t1
	t0=$(now)
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null
	t1=$(now)
	read -r _ user sys <"$work/time"
	python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.2f}')" "$user" "$sys" >"$work/cpu"
	elapsed "$t0" "$t1"
}
cpu() { cat "$work/cpu"; }

# ---- data (deterministic) ----
python3 - "$repo" "$size_mb" "$small" <<'EOF'
import os, random, sys
repo, size_mb, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(1)
words = [b"epoch", b"loss", b"0.3251", b"accuracy", b"0.9127", b"model", b"resnet50", b"lr", b"0.001", b"\n",
         b",", b",", b"train", b"val", b"12", b"2026-11-23T12:00:00Z"]
def text(n, seed):
    r = random.Random(seed)
    out = bytearray()
    while len(out) < n:
        out += b"".join(r.choice(words) for _ in range(4096))
    return bytes(out[:n])
text_block = text(1 << 20, 7)
def small_text(n, seed):
    s = (seed * 7919) % ((1 << 20) - n)
    return text_block[s:s + n]
per = size_mb * (1 << 20) // 1000
tree = os.path.join(repo, "tree")
for i in range(1000):
    d = os.path.join(tree, "part%02d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file%04d.bin" % i), "wb") as f:
        off, k = 0, 0
        while off < per:
            n = min(1 << 20, per - off)
            if (k + i) % 2:
                f.write(rnd.randbytes(n))
            else:
                # text-like runs, shifted per file so that files differ
                s = (i * 7919 + k) % (1 << 19)
                f.write((text_block[s:] + text_block[:s])[:n])
            off += n
            k += 1
def rows(r, start, count):
    out = []
    for i in range(start, start + count):
        v = r.getrandbits(64)
        out.append("%d,2026-11-%02d %02d:%02d:%02d,%d.%04d,%s,%d\n" % (
            i, 1 + v % 28, (v >> 8) % 24, (v >> 16) % 60, (v >> 24) % 60, (v >> 32) % 1000, (v >> 40) % 10000,
            "train" if (v >> 50) % 3 else "eval", v % 1000003))
    return "".join(out).encode()
r = random.Random(42)
n = 0
with open(os.path.join(repo, "data.csv"), "wb") as f:
    f.write(b"id,timestamp,value,split,key\n")
    size = size_mb << 20
    written = 0
    while written < size:
        chunk = rows(r, n, 20000)
        n += 20000
        f.write(chunk)
        written += len(chunk)
with open(os.path.join(repo, ".csv-state"), "w") as f:
    f.write("%d %d\n" % (n, written))
if small:
    base = os.path.join(repo, "small")
    per_dir = max(1, small // 100)
    for i in range(small):
        d = os.path.join(base, "d%03d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%06d.txt" % i), "wb") as f:
            f.write(small_text(100 + rnd.randrange(1900), i + 1))
EOF
append_csv() {
	python3 - "$repo" <<'EOF'
import os, random, sys
repo = sys.argv[1]
n, written = map(int, open(os.path.join(repo, ".csv-state")).read().split())
r = random.Random(4242)
target = written // 100
out = []
size = 0
i = n
while size < target:
    v = r.getrandbits(64)
    line = "%d,2026-12-%02d %02d:%02d:%02d,%d.%04d,%s,%d\n" % (
        i, 1 + v % 28, (v >> 8) % 24, (v >> 16) % 60, (v >> 24) % 60, (v >> 32) % 1000, (v >> 40) % 10000,
        "train" if (v >> 50) % 3 else "eval", v % 1000003)
    out.append(line)
    size += len(line)
    i += 1
with open(os.path.join(repo, "data.csv"), "ab") as f:
    f.write("".join(out).encode())
EOF
}
# Let the files age past libmlops's 2 s racy window (data normally exists before it is committed).
sleep 3

"$mlops" --store "$store" init >/dev/null
(cd "$repo" && git init -q && git config user.email bench@example.invalid && git config user.name bench &&
	"$dvc" init -q && "$dvc" config core.analytics false && "$dvc" config core.autostage false &&
	git add -A .dvc .dvcignore >/dev/null 2>&1 && git commit -qm init)

echo "DVC $("$dvc" --version), $("$mlops" --version | tail -1), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data under $work; tree ${size_mb} MB in 1000 files, CSV ${size_mb} MB, ${small} small files"
printf '%-34s %12s %12s %9s\n' workload libmlops dvc "dvc/mlops"

row() { printf '%-34s %12s %12s %9s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"; }

# (1) tree
m_first=$(timed "$mlops" --store "$store" data commit tree "$repo/tree")
m_first_cpu=$(cpu)
m_status=$(timed "$mlops" --store "$store" data status "$repo/tree")
m_status_cpu=$(cpu)
m_re=$(timed "$mlops" --store "$store" data commit tree "$repo/tree")
m_re_cpu=$(cpu)
m_bytes=$(bytes_of "$store/objects")
d_first=$(cd "$repo" && timed "$dvc" add -q tree)
d_first_cpu=$(cpu)
d_status=$(cd "$repo" && timed "$dvc" status -q tree.dvc)
d_status_cpu=$(cpu)
d_re=$(cd "$repo" && timed "$dvc" add -q tree)
d_re_cpu=$(cpu)
d_bytes=$(bytes_of "$repo/.dvc/cache")
row "tree: first commit / add (s)" "$m_first" "$d_first"
row "  CPU (s)" "$m_first_cpu" "$d_first_cpu"
row "tree: status, unchanged (s)" "$m_status" "$d_status"
row "  CPU (s)" "$m_status_cpu" "$d_status_cpu"
row "tree: re-commit / re-add (s)" "$m_re" "$d_re"
row "  CPU (s)" "$m_re_cpu" "$d_re_cpu"
row "tree: stored (MB)" "$(mb "$m_bytes")" "$(mb "$d_bytes")"
echo "  libmlops first commit $(python3 -c "print(f'{$size_mb * 1.048576 / $m_first:.0f}')") MB/s wall," \
	"$(python3 -c "print(f'{$size_mb * 1.048576 / $m_first_cpu:.0f}')") MB per CPU second;" \
	"status $(ratio "$m_first" "$m_status")x and re-commit $(ratio "$m_first" "$m_re")x faster than its first commit"

# (2) CSV append
"$mlops" --store "$store" data commit --no-profile csv "$repo/data.csv" >/dev/null
(cd "$repo" && "$dvc" add -q data.csv)
m_b0=$(bytes_of "$store/objects")
d_b0=$(bytes_of "$repo/.dvc/cache")
append_csv
csv_size=$(stat -c %s "$repo/data.csv")
m_csv=$(timed "$mlops" --store "$store" data commit --no-profile csv "$repo/data.csv")
m_csv_cpu=$(cpu)
d_csv=$(cd "$repo" && timed "$dvc" add -q data.csv)
d_csv_cpu=$(cpu)
m_new=$(( $(bytes_of "$store/objects") - m_b0 ))
d_new=$(( $(bytes_of "$repo/.dvc/cache") - d_b0 ))
row "csv +1%: commit / add (s)" "$m_csv" "$d_csv"
row "  CPU (s)" "$m_csv_cpu" "$d_csv_cpu"
row "csv +1%: new stored (MB)" "$(mb "$m_new")" "$(mb "$d_new")"
echo "  new stored bytes / file size: libmlops $(python3 -c "print(f'{100 * $m_new / $csv_size:.2f}')")%," \
	"dvc $(python3 -c "print(f'{100 * $d_new / $csv_size:.2f}')")%"

# (3) small files
if [ "$small" -gt 0 ]; then
	m_sc=$(timed "$mlops" --store "$store" data commit small "$repo/small")
	m_sc_cpu=$(cpu)
	m_ss=$(timed "$mlops" --store "$store" data status "$repo/small")
	m_ss_cpu=$(cpu)
	d_sc=$(cd "$repo" && timed "$dvc" add -q small)
	d_sc_cpu=$(cpu)
	d_ss=$(cd "$repo" && timed "$dvc" status -q small.dvc)
	d_ss_cpu=$(cpu)
	row "small files: commit / add (s)" "$m_sc" "$d_sc"
	row "  CPU (s)" "$m_sc_cpu" "$d_sc_cpu"
	row "small files: status (s)" "$m_ss" "$d_ss"
	row "  CPU (s)" "$m_ss_cpu" "$d_ss_cpu"
fi
