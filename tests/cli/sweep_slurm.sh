#!/usr/bin/env bash
# The Slurm path for real: starts a private single-node Slurm (munged, slurmctld and slurmd with
# their own key, configuration, state and ports under a temporary directory), submits the job array `vkmmu sweep --emit slurm` wrote, and checks that its merge
# equals a local sweep's.  Skips (exit 0, "SKIP: reason") when Slurm cannot be started here:
# not root, or the Debian packages slurm-wlm and munge are not installed.
# Usage: bash sweep_slurm.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
chmod 755 "$tmp"
pids=()
# stop_daemons: ends the munged, slurmctld and slurmd this test started, and waits for them.
stop_daemons() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
}
on_exit stop_daemons
skip() { echo "$test_name: SKIP: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "starting slurmd needs root"
for c in munge munged slurmctld slurmd sbatch sinfo; do
    command -v $c > /dev/null || skip "$c is not installed (Debian packages slurm-wlm and munge)"
done

# A private munged (as root, --force: the Debian one runs as user munge, which cannot even
# open /dev/null in some sandboxes) with its own key and socket; Slurm is told the socket.
head -c 1024 /dev/urandom > "$tmp/munge.key" && chmod 600 "$tmp/munge.key"
munged -F -f -S "$tmp/munge.sock" --key-file="$tmp/munge.key" --log-file="$tmp/munged.log" \
    --pid-file="$tmp/munged.pid" --seed-file="$tmp/munged.seed" > "$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do munge -S "$tmp/munge.sock" -n > /dev/null 2>&1 && break; sleep 0.1; done
munge -S "$tmp/munge.sock" -n > /dev/null 2>&1 || skip "munged does not start: $(tail -2 "$tmp/munged.out")"

host=$(hostname -s)
cpus=$(nproc)
port=$((20000 + $$ % 9000 * 2))
mkdir -p "$tmp/state" "$tmp/spool"
conf=$tmp/slurm.conf
cat > "$conf" <<C
ClusterName=vkmmutest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
C
export SLURM_CONF=$conf
slurmctld -D -c -f "$conf" > "$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$conf" > "$tmp/slurmd.out" 2>&1 &
pids+=($!)
up=
for _ in $(seq 1 100); do
    if sinfo -h -o %t 2> /dev/null | grep -qE '^idle'; then up=1; break; fi
    sleep 0.1
done
if [ -z "$up" ]; then
    echo "slurmctld log:"; tail -5 "$tmp/slurmctld.log" "$tmp/slurmctld.out" 2> /dev/null
    echo "slurmd log:"; tail -5 "$tmp/slurmd.log" "$tmp/slurmd.out" 2> /dev/null
    skip "the node did not come up within 10 s (sinfo: $(sinfo -h 2>&1 | head -1))"
fi

# A small sweep: 2 workloads x 2 cost profiles = 4 cells, 3 policies x 2 schemes each.
mkdir -p "$tmp/w"
printf 'map 0x10000000 0x10100000 rw- anon\n' > "$tmp/w/a.vkt.txt"
for i in $(seq 0 200); do printf 'R 0x%x 4\nW 0x%x 4\n' $((0x10000000 + i * 4096)) $((0x10000000 + i * 4096)); done >> "$tmp/w/a.vkt.txt"
printf 'map 0x10000000 0x10100000 rw- anon\n' > "$tmp/w/b.vkt.txt"
for i in $(seq 0 200); do printf 'R 0x%x 4\n' $((0x10000000 + (i * 37 % 256) * 4096)); done >> "$tmp/w/b.vkt.txt"
cat > "$tmp/w/s.sweep" <<'S'
[workloads]
trace = a a.vkt.txt
trace = b b.vkt.txt
[axes]
scheme = vpt-1.10, vpt
policy = none, dfly, seq
costs = modern, dfly2007
S
cd "$tmp"
"$vkmmu" sweep w/s.sweep -j 2 -o local > /dev/null 2>&1 || fail "local sweep exit $?"
"$vkmmu" merge local -o local.csv 2> /dev/null || fail "merge local exit $?"
"$vkmmu" sweep w/s.sweep -o shared --emit slurm 2> /dev/null || fail "--emit slurm exit $?"
timeout 120 sbatch --wait -Q shared/sweep.sbatch > sbatch.out 2>&1 || { fail "sbatch --wait exit $?"; cat sbatch.out; tail -5 shared/logs/slurm-* 2> /dev/null; }
"$vkmmu" merge shared -o slurm.csv 2> merge.err || { fail "merge of the Slurm run exit $?"; cat merge.err; }
cmp -s local.csv slurm.csv || fail "the Slurm run's merge differs from the local one"
[ "$(ls shared/logs/slurm-* 2> /dev/null | wc -l)" -eq 4 ] || fail "want 4 array task logs: $(ls shared/logs)"

[ "$failures" -eq 0 ] && echo "single-node Slurm $(sinfo -V 2> /dev/null | awk '{print $2}'), 4 array tasks"
finish
