#!/usr/bin/env bash
# `make check`: the whole suite, in order
#   1. userspace build (make userspace) and native unit tests (make unit-tests, if defined)
#   2. kernel-module static checks: W=1, sparse, checkpatch   (tests/kbuild-checks.sh)
#   3. DKMS build for each test kernel                          (tests/dkms-check.sh)
#   4. the VM integration tests on each test kernel             (tests/vm/run-vm.sh)
#   5. shellcheck of the harness scripts, if shellcheck is installed
# Every `PASS|FAIL|SKIP|NOTE ...` line is printed as it comes and collected in build/results.txt;
# the last line is `N passed, M failed[, K skipped]`. Exit status non-zero if anything failed
# or nothing ran.
#   MONSTER_KERNELS="rel..."  test these kernels instead of the newest 6.1, 6.12 and 6.12-rt
#   MONSTER_RT=1 only the PREEMPT_RT kernel; MONSTER_RT=0 leave it out (default: both flavours)
#   MONSTER_CHECK_ONLY="unit kbuild dkms vm lint"   run only these steps
#   MONSTER_STRESS=long       the stress/fuzz programs (tests/vm/t_9*) run their long versions
#                             in the VM (`make check-stress`); default: the short ones
set -uo pipefail # no -e: a failing step is a result, not the end of the run

TOP=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$TOP/build}
mkdir -p "$BUILD"
results=$BUILD/results.txt
: >"$results"
only=" ${MONSTER_CHECK_ONLY:-unit kbuild dkms vm lint} "
t_start=$(date +%s)

note() { echo "check: $*"; }
wanted() { [[ "$only" == *" $1 "* ]]; }

# step NAME CMD...: run CMD, pass its result lines through to the screen and results.txt.
# A step that exits non-zero without a single FAIL line gets one, so no failure goes uncounted.
step() {
	local name=$1 t0 rc fails_before fails_after
	shift
	t0=$(date +%s)
	fails_before=$(grep -c '^FAIL ' "$results")
	note "== $name: $*"
	"$@" 2>&1 | while IFS= read -r line; do
		echo "$line"
		case "$line" in
		PASS\ * | FAIL\ * | SKIP\ * | NOTE\ *) echo "$line" >>"$results" ;;
		esac
	done
	rc=${PIPESTATUS[0]}
	fails_after=$(grep -c '^FAIL ' "$results")
	if [ "$rc" -ne 0 ] && [ "$fails_after" -eq "$fails_before" ]; then
		echo "FAIL $name: exited with status $rc" | tee -a "$results"
	fi
	note "== $name: $(($(date +%s) - t0))s"
}

logs=$BUILD/logs
mkdir -p "$logs"

# make_step NAME TARGET: a build that is one result line
make_step() {
	if make -C "$TOP" --no-print-directory "$2" >"$logs/$1.log" 2>&1; then
		echo "PASS $1: make $2"
	else
		tail -n 20 "$logs/$1.log"
		echo "FAIL $1: make $2 failed (log: $logs/$1.log)"
	fi
}

unit_tests() {
	local rc=0
	make -C "$TOP" --no-print-directory unit-tests || rc=1
	make -C "$TOP" --no-print-directory gpu-unit-tests || rc=1
	return "$rc"
}

vm_all() {
	local k rc=0 args=()
	# The kernel hands MONSTER_STRESS=long on to the guest's init, and so to the programs.
	# The rest is the sanitizing Debian's kernels can do without a rebuild: SLUB red zones,
	# poisoning and checks, page poisoning, KFENCE (6.12); reports end in the log check.
	if [ "${MONSTER_STRESS:-}" = long ]; then
		args=(--append "MONSTER_STRESS=long slub_debug=FZPU page_poison=1 init_on_free=1 kfence.sample_interval=10"
			--test-timeout 1500 --timeout 7200)
	fi
	for k in "${kernels[@]}"; do
		bash "$TOP/tests/vm/run-vm.sh" "$k" ${args[@]+"${args[@]}"} || rc=1
	done
	return "$rc"
}

lint() {
	local files=() f
	if ! command -v shellcheck >/dev/null 2>&1; then
		echo "SKIP shellcheck: shellcheck is not installed"
		return 0
	fi
	while IFS= read -r -d '' f; do files+=("$f"); done < <(
		cd "$TOP" && find . -path ./build -prune -o -name '*.sh' -type f -print0
		[ ! -f "$TOP/.ci/run" ] || printf '%s\0' ./.ci/run
	)
	if (cd "$TOP" && shellcheck -x -S warning "${files[@]}") >"$logs/shellcheck.log" 2>&1; then
		echo "PASS shellcheck: ${#files[@]} shell scripts clean"
	else
		head -n 30 "$logs/shellcheck.log"
		echo "FAIL shellcheck: $(grep -c '^In ' "$logs/shellcheck.log") finding(s) (log: $logs/shellcheck.log)"
	fi
}

mapfile -t kernels < <(bash "$TOP/tests/vm/kernels.sh")
# and Debian's PREEMPT_RT 6.12 (sleeping spinlocks, threaded timers and interrupts), unless
# the kernels were named or MONSTER_RT chose one flavour
if [ -z "${MONSTER_KERNELS:-}" ] && [ -z "${MONSTER_RT:-}" ]; then
	mapfile -t rt_kernels < <(bash "$TOP/tests/vm/kernels.sh" --rt --series 6.12)
	if [ ${#rt_kernels[@]} -eq 0 ]; then
		echo "FAIL kernels-rt: no 6.12 -rt kernel with image and headers installed (run tests/setup.sh)" |
			tee -a "$results"
	fi
	kernels+=(${rt_kernels[@]+"${rt_kernels[@]}"})
fi
note "kernels: ${kernels[*]:-none}"

if wanted unit; then
	step build-userspace make_step build-userspace userspace
	step unit-tests unit_tests
	# the GPU tests where a GPU and driver exist; one SKIP line (with the reason) elsewhere
	step check-gpu make -C "$TOP" --no-print-directory check-gpu
fi
if [ ${#kernels[@]} -eq 0 ]; then
	echo "FAIL kernels: no 6.1/6.12 kernel with image and headers installed (run tests/setup.sh)" | tee -a "$results"
else
	wanted kbuild && step kbuild-checks bash "$TOP/tests/kbuild-checks.sh" "${kernels[@]}"
	wanted dkms && step dkms-check bash "$TOP/tests/dkms-check.sh" "${kernels[@]}"
	wanted vm && step vm vm_all
fi
wanted lint && step lint lint

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
notes=$(grep -c '^NOTE ' "$results")
note "results in $results; took $(($(date +%s) - t_start))s"
summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary+=", $skipped skipped"
[ "$notes" -eq 0 ] || summary+=", $notes note(s) (grep ^NOTE $results)"
echo "$summary"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
