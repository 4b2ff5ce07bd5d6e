#!/usr/bin/env bash
# Builds the VM guest's initramfs: a gzip'd cpio (newc) of a busybox root with /init
# (guest-init.sh), /monster.ko, the test programs under /tests and any extra files.
#
#   mkinitramfs.sh -o OUT.cpio.gz -k monster.ko [-t PROG]... [-a SRC[:DEST]]... [-i INIT]
#     -t PROG      a test program, copied to /tests/<basename>
#     -a SRC:DEST  a file or folder copied to DEST in the guest (default DEST: /<basename>);
#                  dynamically linked ELF files bring their ldd libraries (at the same paths)
#                  and the loader, so liblmonster and monsterctl can run in the guest
#     -i INIT      the guest's /init (default: guest-init.sh beside this script)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="" ko="" init="$here/guest-init.sh"
tests=() adds=()
while getopts "o:k:t:a:i:h" opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	k) ko=$OPTARG ;;
	t) tests+=("$OPTARG") ;;
	a) adds+=("$OPTARG") ;;
	i) init=$OPTARG ;;
	*) sed -n '2,11p' "$0"; exit 2 ;;
	esac
done
if [ -z "$out" ] || [ -z "$ko" ]; then echo "mkinitramfs.sh: -o and -k are required" >&2; exit 2; fi
[ -f "$ko" ] || { echo "mkinitramfs.sh: no module at $ko" >&2; exit 1; }

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkinitramfs.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
# a dynamic busybox would need a libc in the guest: insist on the static one
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs.sh: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/monster-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp makes it 0700, which would lock the unprivileged test user out of everything
chmod 755 "$root"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,tests,lib,lib64}
cp "$busybox" "$root/bin/busybox"
# applet links made here so init can use every applet from its first line
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$init" "$root/init"
install -m 0644 "$ko" "$root/monster.ko"
# the kernel opens /dev/console for init before devtmpfs is mounted; needs root to create
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

# root, and an unprivileged user for the open-permission tests
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
monster:x:990:
nogroup:x:65534:
EOF
echo "monster-vm" >"$root/etc/hostname"

# copy_libs FILE: an ELF's shared libraries and loader, at their host paths
copy_libs() {
	local f=$1 lib
	[ "$(head -c 4 "$f" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
	ldd "$f" >/dev/null 2>&1 || return 0 # static
	while read -r lib; do
		[ -e "$lib" ] || continue
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
	if ldd "$f" | grep -q 'not found'; then
		echo "mkinitramfs.sh: warning: $f has unresolved libraries:" >&2
		ldd "$f" | grep 'not found' >&2
	fi
}

for t in ${tests[@]+"${tests[@]}"}; do
	[ -f "$t" ] || { echo "mkinitramfs.sh: no test program $t" >&2; exit 1; }
	install -m 0755 "$t" "$root/tests/$(basename "$t")"
	copy_libs "$t"
done

for a in ${adds[@]+"${adds[@]}"}; do
	src=${a%%:*}
	dest=/$(basename "$src")
	[ "$src" != "$a" ] && dest=${a#*:}
	[ -e "$src" ] || { echo "mkinitramfs.sh: no such file $src" >&2; exit 1; }
	mkdir -p "$root$(dirname "$dest")"
	cp -a "$src" "$root$dest"
	while IFS= read -r -d '' f; do
		copy_libs "$f"
	done < <(find "$src" -type f -perm -u+x -print0)
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
