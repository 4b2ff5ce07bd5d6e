#!/usr/bin/env bash
# Boots one test kernel under qemu (software emulation) with monster.ko and the VM test
# programs, and reports every result as `PASS|FAIL|SKIP [<kver>] <name>: <detail>` on stdout.
# Progress goes to stderr. Exit status: 0 when nothing failed.
#
#   run-vm.sh <kver> [options]
#     --ko PATH          use this module instead of building one (`make modules KVER=<kver>`)
#     --test PATH        run this program (repeatable) instead of the built tests/vm programs
#     --tests "a b"      run only these of the built programs (names, e.g. t_mmap)
#     --modargs "a=1 b=2"   insmod parameters
#     --script FILE      run FILE (sh) in the guest instead of the tests (make demo)
#     --add SRC[:DEST]   extra file or folder for the guest (repeatable, see mkinitramfs.sh)
#     --outdir DIR       where logs go (default build/vm/<kver>)
#     --timeout SECS     whole-VM limit (default 480); --test-timeout SECS: per program (180)
#     --append "words"   extra kernel command line (e.g. panic_on_warn=1)
#     --smp N --mem MB   guest size (default 2 CPUs, 1024 MiB)
#     --verbose          stream the guest console to stderr
#     --bzimage          boot /boot/vmlinuz as it is (default: its extracted vmlinux, faster)
# Environment: MONSTER_KO (as --ko), MONSTER_VM_TIMEOUT, MONSTER_VM_TEST_TIMEOUT,
# MONSTER_VM_MEM (as --mem), BUILD; MONSTER_KERNEL_TREE: a self-built kernel's build directory
# (tests/debug-kernel.sh): for its release, boot its vmlinux and build the module against it.
# Logs: <outdir>/console.log (everything the guest printed) and results.log (the clean
# results channel, the guest's second serial port).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$TOP/build}

if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then sed -n '2,23p' "$0"; exit 2; fi
kver=$1
shift
ko=${MONSTER_KO:-} script="" outdir="" modargs="" only="" verbose=0
vm_timeout=${MONSTER_VM_TIMEOUT:-480} test_timeout=${MONSTER_VM_TEST_TIMEOUT:-180}
smp=2 mem=${MONSTER_VM_MEM:-1024} extra_append=""
progs=() adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ko) ko=$2; shift ;;
	--test) progs+=("$2"); shift ;;
	--tests) only=$2; shift ;;
	--modargs) modargs=$2; shift ;;
	--script) script=$2; shift ;;
	--add) adds+=("$2"); shift ;;
	--outdir) outdir=$2; shift ;;
	--timeout) vm_timeout=$2; shift ;;
	--test-timeout) test_timeout=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--verbose) verbose=1 ;;
	--bzimage) export MONSTER_VM_BZIMAGE=1 ;;
	--append) extra_append=$2; shift ;;
	*) echo "run-vm.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
outdir=${outdir:-$BUILD/vm/$kver}
mkdir -p "$outdir"

log() { echo "vm[$kver]: $*" >&2; }
result() { # result PASS|FAIL|SKIP name detail
	echo "$1 [$kver] $2: $3"
	[ "$1" != FAIL ] || failed=1
}
failed=0

vmlinuz=/boot/vmlinuz-$kver

# --- a self-built kernel ----------------------------------------------------------------
# When <kver> is the release of MONSTER_KERNEL_TREE, the guest boots that tree's vmlinux (its
# PVH entry; --bzimage: its bzImage) and `make modules` builds against the tree (KDIR).
tree=${MONSTER_KERNEL_TREE:-}
if [ -n "$tree" ] && [ "$(cat "$tree/include/config/kernel.release" 2>/dev/null)" = "$kver" ]; then
	vmlinuz=$tree/vmlinux
	[ "${MONSTER_VM_BZIMAGE:-0}" != 1 ] || vmlinuz=$tree/arch/x86/boot/bzImage
	export KDIR=$tree
	# the module's rule knows its sources, not the kernel: a rebuilt tree needs a new one
	tree_ko=$BUILD/kmod/$kver/monster.ko
	[ ! "$tree_ko" -ot "$tree/vmlinux" ] || rm -f "$tree_ko"
else
	tree=""
fi

if [ ! -f "$vmlinuz" ]; then
	result FAIL vm-boot "no kernel image $vmlinuz (run tests/setup.sh)"
	exit 1
fi

# --- the module -------------------------------------------------------------------------
if [ -z "$ko" ]; then
	log "building monster.ko"
	if ! make -C "$TOP" --no-print-directory BUILD="$BUILD" modules KVER="$kver" >"$outdir/build.log" 2>&1; then
		tail -n 30 "$outdir/build.log" >&2
		result FAIL module-build "make modules KVER=$kver failed (log: $outdir/build.log)"
		exit 1
	fi
	ko=$BUILD/kmod/$kver/monster.ko
fi
[ -f "$ko" ] || { result FAIL module-build "no module at $ko"; exit 1; }

# --- the test programs ------------------------------------------------------------------
if [ -z "$script" ] && [ ${#progs[@]} -eq 0 ]; then
	log "building the VM test programs"
	# -k: one test that does not compile must not keep the others from running
	if ! make -k -C "$TOP" --no-print-directory BUILD="$BUILD" vm-tests >"$outdir/tests-build.log" 2>&1; then
		tail -n 30 "$outdir/tests-build.log" >&2
	fi
	for src in "$TOP"/tests/vm/t_*.c "$TOP"/tests/vm/t32_*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		if [ -n "$only" ] && ! [[ " $only " == *" $name "* ]]; then continue; fi
		if [ -x "$BUILD/vm/bin/$name" ]; then
			progs+=("$BUILD/vm/bin/$name")
		else
			result FAIL "$name" "does not build (log: $outdir/tests-build.log)"
		fi
	done
	if [ ${#progs[@]} -eq 0 ]; then
		log "no VM test programs; booting only to load and unload the module"
	fi
fi

# the tools the in-VM tests drive as a user would (static: the guest has no libc)
if make -C "$TOP" --no-print-directory BUILD="$BUILD" vm-lib-extras >"$outdir/extras-build.log" 2>&1; then
	[ -x "$BUILD/tools/monsterctl.static" ] && adds+=("$BUILD/tools/monsterctl.static:/bin/monsterctl")
	[ -x "$BUILD/unit/example_consumer.static" ] &&
		adds+=("$BUILD/unit/example_consumer.static:/bin/example_consumer")
	[ -x "$BUILD/tools/monster-exporter.vm" ] &&
		adds+=("$BUILD/tools/monster-exporter.vm:/bin/monster-exporter")
else
	log "monsterctl/example_consumer/monster-exporter did not build (log: $outdir/extras-build.log)"
fi

# --- initramfs --------------------------------------------------------------------------
initrd=$outdir/initramfs.cpio.gz
mkargs=(-o "$initrd" -k "$ko")
for p in ${progs[@]+"${progs[@]}"}; do mkargs+=(-t "$p"); done
for a in ${adds[@]+"${adds[@]}"}; do mkargs+=(-a "$a"); done
[ -z "$script" ] || mkargs+=(-a "$script:/run-script.sh")
bash "$here/mkinitramfs.sh" "${mkargs[@]}"

# --- boot -------------------------------------------------------------------------------
# Boot the uncompressed vmlinux through its PVH entry when it can be extracted from the
# bzImage: under emulation the decompressor alone takes 4-6 s of every boot. (The cost: the
# decompressor is what applies KASLR, so such a guest runs unrandomised; --bzimage or
# MONSTER_VM_BZIMAGE=1 boots the image as it is.)
kernel_image() {
	local img=$1 out=$BUILD/vm/vmlinux-$kver magic off tmp
	if [ "${MONSTER_VM_BZIMAGE:-0}" = 1 ] || ! grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null; then
		echo "$img"
		return
	fi
	if [ ! -s "$out" ] || [ "$out" -ot "$img" ]; then
		# a private temporary name: two runs may extract the same kernel at once
		tmp=$(mktemp "$out.XXXXXX")
		for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
			off=$(LC_ALL=C grep -obUaP -m1 "${magic%%:*}" "$img" 2>/dev/null | head -n1 | cut -d: -f1)
			[ -n "$off" ] || continue
			# trailing bytes after the payload make the decompressors complain: ignore that
			tail -c +$((off + 1)) "$img" | "${magic#*:}" -dc >"$tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$tmp" "$out"
				break
			fi
		done
		rm -f "$tmp"
	fi
	if [ -s "$out" ] && [ ! "$out" -ot "$img" ]; then echo "$out"; else echo "$img"; fi
}
# Kernel words: commas stand for spaces (guest-init.sh turns them back). mvm.tests names the
# programs so a run with --tests/--test does only those, in the order given.
# loglevel=5: warnings and worse reach the console as they happen (a hung guest never dumps
# dmesg), info chatter does not (a serial console is slow under emulation).
append="console=ttyS0 loglevel=5 panic=-1 printk.time=1 mvm.out=ttyS1 mvm.timeout=$test_timeout"
[ -z "$extra_append" ] || append+=" $extra_append"
[ -z "$modargs" ] || append+=" mvm.modargs=$(echo "$modargs" | tr ' ' ',')"
if [ -n "$script" ]; then
	append+=" mvm.script=/run-script.sh"
elif [ ${#progs[@]} -gt 0 ]; then
	names=$(for p in "${progs[@]}"; do basename "$p"; done | tr '\n' ',')
	append+=" mvm.tests=${names%,}"
else
	append+=" mvm.tests=none"
fi
console=$outdir/console.log
results=$outdir/results.log
rm -f "$console" "$results"

mkdir -p "$BUILD/vm"
if [ -n "$tree" ]; then image=$vmlinuz; else image=$(kernel_image "$vmlinuz"); fi
log "booting $image (tcg, $smp CPUs, ${mem} MiB, limit ${vm_timeout}s; log: $console)"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$smp"
	-kernel "$image" -initrd "$initrd" -append "$append"
	-nographic -no-reboot -serial mon:stdio -serial "file:$results")
# Multi-threaded TCG now and then lets a vCPU run a stale translation of kernel text that the
# other is patching (text_poke_bp's transient int3, run after the kernel's own synchronisation):
# "Oops: int3" in the kernel's text, once in tens of runs. While the stock kernel boots that
# happens before /init, so before monster.ko can have run: boot again, up to twice, when qemu
# ended by itself without the guest reaching /init. Later (a tracepoint switched on while
# others fault, say) the whole run is made again, once, when the oops is in the kernel's text
# and not in the module's; a second one, or one in the module, is a FAIL like any other.
emulator_int3() {
	local rip
	grep -aq 'Oops: int3' "$console" || return 1
	rip=$(grep -a -A4 'Oops: int3' "$console" | grep -a -m1 'RIP:' | tr -d '\r')
	[ -n "$rip" ] && [[ "$rip" != *"[monster]"* ]] && echo "${rip#*RIP: }"
}
boots=0 reruns=0
while :; do
	boots=$((boots + 1))
	start=$(date +%s)
	set +e
	if [ "$verbose" = 1 ]; then
		timeout -k 10 "$vm_timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$console" >&2
		qrc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$vm_timeout" "${qemu[@]}" </dev/null >"$console" 2>&1
		qrc=$?
	fi
	set -e
	secs=$(($(date +%s) - start))
	log "guest ran ${secs}s (qemu status $qrc)"

	# --- report ---------------------------------------------------------------------
	# The results channel is clean; fall back to the console if the second port did not work.
	src=$results
	grep -q 'MONSTER-VM start' "$src" 2>/dev/null || src=$console
	clean=$outdir/guest.log
	tr -d '\r' <"$src" >"$clean"
	if grep -q '^MONSTER-VM start' "$clean"; then
		if [ "$reruns" -ge 1 ] || ! rip=$(emulator_int3); then
			break
		fi
		reruns=$((reruns + 1))
		mv "$console" "$outdir/console.int3.log"
		rm -f "$results"
		log "an int3 oops in the kernel's text at $rip (the emulator's race; log: $outdir/console.int3.log): running again"
		echo "NOTE [$kver] vm-rerun: int3 oops at $rip outside monster.ko (an emulator race); ran again"
		continue
	fi

	tail -n 40 "$console" >&2 || true
	if [ "$boots" -ge 3 ] || [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		result FAIL vm-boot "the guest never reached /init (qemu status $qrc, ${secs}s, boot $boots; log: $console)"
		exit 1
	fi
	why=$(grep -m1 -E 'Oops|BUG:|Kernel panic' "$console" | tr -d '\r' | sed 's/^\[[ 0-9.]*\] //' || true)
	mv "$console" "$outdir/console.boot$boots.log"
	rm -f "$results"
	log "boot $boots ended before /init (${why:-no oops line}; log: $outdir/console.boot$boots.log): booting again"
	echo "NOTE [$kver] vm-boot: boot $boots ended before /init (${why:-qemu status $qrc}); booted again"
done

insmod_line=$(grep -m1 '^MONSTER-VM insmod ' "$clean" || true)
case "$insmod_line" in
"MONSTER-VM insmod rc=0"*) result PASS insmod "monster.ko loaded${modargs:+ ($modargs)}" ;;
"MONSTER-VM insmod skipped") ;;
"") result FAIL insmod "no insmod report from the guest" ;;
*) result FAIL insmod "${insmod_line#MONSTER-VM insmod } $(grep -m1 '^MONSTER-VM insmod-output: ' "$clean" | sed 's/^MONSTER-VM insmod-output: //')" ;;
esac

# the programs' own lines (outside the dmesg dump, which is only for the log check)
while IFS= read -r line; do
	verdict=${line%% *}
	rest=${line#* }
	echo "$verdict [$kver] $rest"
	[ "$verdict" != FAIL ] || failed=1
done < <(sed '/^MONSTER-VM dmesg-begin/,/^MONSTER-VM dmesg-end/d' "$clean" | grep -E '^(PASS|FAIL|SKIP) [^ ]')

if grep -q '^MONSTER-VM done' "$clean"; then
	result PASS vm-complete "guest finished in ${secs}s"
else
	last=$(grep '^MONSTER-VM begin ' "$clean" | tail -n1 | sed 's/^MONSTER-VM begin //' || true)
	case "$qrc" in
	124 | 137) why="host timeout after ${vm_timeout}s" ;;
	*) why="hang or panic" ;;
	esac
	tail -n 40 "$console" >&2 || true
	result FAIL vm-complete "the guest never printed 'MONSTER-VM done' ($why${last:+, last program started: $last}; log: $console)"
fi

while IFS= read -r line; do
	echo "$line"
	[ "${line%% *}" != FAIL ] || failed=1
done < <(bash "$here/check-kernel-log.sh" --label "$kver" "$console" "$clean")

# a self-built kernel: each sanitizer its .config enables must have announced itself at boot
if [ -n "$tree" ]; then
	live="" dead=""
	while IFS='|' read -r opt name banner; do
		grep -qx "$opt=y" "$tree/.config" || continue
		if grep -qF -- "$banner" "$clean"; then live+=", $name"; else dead+=", $name"; fi
	done <<'EOF'
CONFIG_KASAN|KASAN|KernelAddressSanitizer initialized
CONFIG_LOCKDEP|lockdep|Lock dependency validator
CONFIG_KFENCE|KFENCE|kfence: initialized
EOF
	if [ -n "$dead" ]; then
		result FAIL kernel-sanitizers \
			"enabled in $tree/.config but not announced in the guest's log: ${dead#, }"
	elif [ -n "$live" ]; then
		result PASS kernel-sanitizers "${live#, } announced at boot"
	fi
fi

exit "$failed"
