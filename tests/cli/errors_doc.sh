#!/usr/bin/env bash
# docs/errors.md against the binary: runs every case of tests/cli/errors_cases/*.tsv and checks
# its exit status, its message on stderr and the errors.md row that documents it; then checks
# that every row of errors.md is covered by a case or listed in errors_cases/untestable.txt.
#
# A case is one line `EXIT<TAB>DOC<TAB>EXPECT<TAB>COMMAND` (lines starting with # are comments):
#   EXIT    the exit status the command must return
#   DOC     a literal fragment of the first cell of the errors.md row documenting the message;
#           every row holding it must list EXIT in its exit cell (a cell without a number,
#           "(note)" or "guest's status", accepts any)
#   EXPECT  a grep -E pattern stderr must match
#   COMMAND a bash command line, run in a fresh empty directory with $VKMMU (the binary), $SRC
#           (the source tree), $BUILD (the build directory) and $GUESTS (the i386 guests of
#           tests/emu/guests, built here: exit42, crash, hello-dyn) exported
# untestable.txt: `DOC<TAB>REASON` per line, for rows no test can provoke (out of memory, a
# broken Unicorn).  ERRORS_DOC_NO_COVERAGE=1 skips the coverage check (while other case files
# are being written); ERRORS_DOC_JOBS sets how many cases run at once (default 2).
# Usage: bash errors_doc.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
VKMMU=$vkmmu BUILD=$build SRC=$src
GUESTS=$BUILD/errors-doc-guests
bash "$SRC/tests/emu/guests/build.sh" "$GUESTS" > /dev/null 2>&1 ||
    echo "note: cannot build the test guests into $GUESTS: the run cases will fail"
export VKMMU BUILD SRC GUESTS
export ERRORS_DOC_TMP=$tmp

# A child, not exec: the shell stays to remove $tmp at exit; the test's status is python's.
python3 - "$SRC/docs/errors.md" "$SRC/tests/cli/errors_cases" <<'PY'
import concurrent.futures, glob, os, re, subprocess, sys, tempfile

doc_path, cases_dir = sys.argv[1], sys.argv[2]
tmp = os.environ["ERRORS_DOC_TMP"]
problems = []


def rows_of(path):
    """(line number, first cell, exit numbers or None) of every `| `...` table row."""
    rows = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.rstrip("\n"))[1:-1]]
        nums = {int(x) for x in re.findall(r"\d+", cells[1])} if len(cells) > 1 else set()
        rows.append((n, cells[0], nums or None))
    return rows


def read_tsv(path, fields):
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", fields - 1)
        if len(parts) != fields:
            problems.append("%s:%d: expected %d tab-separated fields" % (path, n, fields))
            continue
        out.append((path, n, parts))
    return out


rows = rows_of(doc_path)
cases = []
for f in sorted(glob.glob(os.path.join(cases_dir, "*.tsv"))):
    cases += read_tsv(f, 4)
untestable = read_tsv(os.path.join(cases_dir, "untestable.txt"), 2)


def run(case):
    path, n, (exit_s, doc, expect, command) = case
    where = "%s:%d" % (os.path.relpath(path, cases_dir), n)
    errs = []
    matched = [r for r in rows if doc in r[1]]
    if not matched:
        errs.append("DOC '%s' is in no errors.md row" % doc)
    for ln, _, nums in matched:
        if nums is not None and int(exit_s) not in nums:
            errs.append("errors.md:%d gives exit %s, the case says %s" %
                        (ln, sorted(nums), exit_s))
    work = tempfile.mkdtemp(dir=tmp)
    try:
        p = subprocess.run(["bash", "-c", command], cwd=work, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        rc, err = "timeout", b""
    finally:
        subprocess.run(["rm", "-rf", work])
    if str(rc) != exit_s:
        errs.append("exit %s, want %s" % (rc, exit_s))
    g = subprocess.run(["grep", "-Eq", "--", expect], input=err)
    if g.returncode != 0:
        errs.append("stderr does not match /%s/" % expect)
    if errs:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        return "FAIL %s: %s\n    %s\n    stderr: %s" % (where, "; ".join(errs), command,
                                                       " / ".join(tail) or "(empty)")
    return None


jobs = int(os.environ.get("ERRORS_DOC_JOBS", "2"))
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
    results = list(ex.map(run, cases))
failed = [r for r in results if r]
for r in failed:
    print(r)

for path, n, (doc, _) in untestable:
    if not any(doc in r[1] for r in rows):
        problems.append("untestable.txt:%d: '%s' is in no errors.md row" % (n, doc))
if os.environ.get("ERRORS_DOC_NO_COVERAGE") != "1":
    docs = [c[2][1] for c in cases] + [u[2][0] for u in untestable]
    for ln, first, _ in rows:
        if not any(d in first for d in docs):
            problems.append("UNCOVERED errors.md:%d: %s" % (ln, first[:150]))
else:
    print("coverage check skipped (ERRORS_DOC_NO_COVERAGE=1)")
for p in problems:
    print(p)
print("%d passed, %d failed%s" % (len(results) - len(failed), len(failed),
                                  ", %d other problems" % len(problems) if problems else ""))
sys.exit(1 if failed or problems else 0)
PY
