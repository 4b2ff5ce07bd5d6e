// SPDX-License-Identifier: GPL-2.0
/*
 * t_92_mmap_misuse - the mapping abused, beyond t_00_basic's single cases.
 *
 *   random       a loop of random mmap (offset, length, prot, flags, fd mode),
 *                munmap of heads, middles and tails, mprotect, mremap (grow,
 *                shrink, move, DONTUNMAP), madvise (every harmless advice),
 *                msync, mlock, fork with the mappings, while sampling at
 *                1000 Hz. A model predicts every mmap/mprotect/mremap result;
 *                every page of every mapping is checked, through
 *                /proc/self/pagemap, to be the very page the reference
 *                mapping has at that offset; no access the model allows may
 *                fault. At the end, with everything unmapped, a resize must
 *                work: no VMA (split, moved, forked) kept a reference.
 *   fork         a child writes the tails and exits; a child keeps using the
 *                rings after the parent unmapped and closed (a resize is
 *                EBUSY until it exits); MADV_DONTFORK keeps a child out.
 *   munmap       head, middle and tail pages of a data mapping unmapped: the
 *                rest still the right pages, the holes fault.
 *   after close  a mapping outlives its fd: reads work, a tail written there
 *                is honoured by the kernel.
 *   mremap       a move keeps the pages (the old address faults); growth is
 *                refused; shrinking works.
 *   madvise      MADV_DONTNEED then access: the driver's fault handler serves
 *                the same pages back (a SIGBUS would also be acceptable for
 *                the kernel's sake; what happens is printed); MADV_COLD,
 *                PAGEOUT, WILLNEED, POPULATE_READ change nothing.
 *   kernel paths /proc/self/mem, process_vm_writev and read(2) cannot write
 *                the read-only regions; vmsplice'd pages outlive munmap,
 *                close and a resize (no use after free); futexes on the tails
 *                page, soft-dirty tracking (clear_refs), mlock, smaps.
 *   read-only fd an O_RDONLY file maps the rings read-only (observe) and can
 *                never write them.
 *   reload       the module reloaded with other parameters (ring_slots=128,
 *                rate_hz=1000): the layout follows, mapping and sampling
 *                work; then back to the defaults.
 */
#include "vmstress.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long page;
static uint64_t g_seed, g_mark;
static struct monster_info g_in;
static size_t g_npages;
static int g_pagemap = -1;

/* the reference mapping: the whole device, read-only, and the tails page read-write */
static const unsigned char *g_ref;
static unsigned char *g_reft;

/* ---- faults and pages ------------------------------------------------------------------ */

static sigjmp_buf g_jb;
static volatile sig_atomic_t g_probing;

static void on_fault(int sig)
{
	if (g_probing)
		siglongjmp(g_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* read one byte at p into *v, or write *v there; 0 or the signal it raised */
static int probe(volatile unsigned char *p, bool write, unsigned char *v)
{
	int sig;

	g_probing = 1;
	sig = sigsetjmp(g_jb, 1);
	if (!sig) {
		if (write)
			*p = *v;
		else
			*v = *p;
	}
	g_probing = 0;
	return sig;
}

static int probe_read(const volatile unsigned char *p, unsigned char *out)
{
	return probe((volatile unsigned char *)p, false, out);
}

static int probe_write(volatile unsigned char *p, unsigned char v)
{
	return probe(p, true, &v);
}

/* the PFN behind a (present) user address, 0 if none */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e;
	off_t o = (off_t)((uintptr_t)addr / (uintptr_t)page) * 8;

	if (g_pagemap < 0 || pread(g_pagemap, &e, 8, o) != 8 || !(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* a forked child must read its own pagemap, not its parent's */
static void pagemap_reopen(void)
{
	if (g_pagemap >= 0)
		close(g_pagemap);
	g_pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

/* the PFN of device page pg (through the reference mapping) */
static uint64_t ref_pfn(size_t pg)
{
	unsigned char c;

	if (pg >= g_npages || probe_read(g_ref + pg * (size_t)page, &c))
		return 0;
	return pfn_of(g_ref + pg * (size_t)page);
}

/*
 * Is the page at addr device page pg? Touches it first (it may have been
 * zapped by madvise); returns 0 if it is, else a description in why.
 */
static int same_page(const unsigned char *addr, size_t pg, char *why, size_t len)
{
	unsigned char c;
	uint64_t a, b;
	int sig = probe_read(addr, &c);

	if (sig) {
		snprintf(why, len, "reading device page %zu at %p raised signal %d", pg, (void *)addr, sig);
		return 1;
	}
	a = pfn_of(addr);
	b = ref_pfn(pg);
	if (!a || a != b) {
		snprintf(why, len, "device page %zu at %p is pfn %#" PRIx64 ", the reference mapping has %#" PRIx64,
			 pg, (void *)addr, a, b);
		return 1;
	}
	return 0;
}

static int map_dev(int fd, size_t pgoff, size_t npg, int prot, int flags, void **out)
{
	void *p = mmap(NULL, npg * (size_t)page, prot, flags, fd, (off_t)(pgoff * (size_t)page));

	*out = p;
	return p == MAP_FAILED ? errno : 0;
}

/* ---- the random loop ------------------------------------------------------------------- */

#define MAXMAP 24

struct mp {
	unsigned char *addr;
	size_t npg;		/* pages */
	size_t pgoff;		/* device page of addr */
	int prot;
	bool maywrite;		/* mprotect(PROT_WRITE) allowed */
	bool split;		/* several VMAs (madvise on a part changed flags there) */
};

struct rnd {
	struct th_rng r;
	struct mp m[MAXMAP];
	int n;
	int fd[3];		/* O_RDWR, O_RDONLY, O_WRONLY */
	uint64_t mmaps, mmap_bad, mprots, mprot_bad, mremaps, mremap_bad, madvs, madv_err;
	uint64_t pages_checked, pages_bad, faults, forks, fork_bad, unmaps;
	char mmap_first[300], mprot_first[300], mremap_first[300], pages_first[300], fork_first[200];
};

static void note_first(char *buf, size_t len, uint64_t *count, const char *fmt, ...)
	TH_PRINTF(4, 5);
static void note_first(char *buf, size_t len, uint64_t *count, const char *fmt, ...)
{
	va_list ap;

	if ((*count)++)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *prot_str(int prot)
{
	static char b[8][8];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "%s%s%s%s", prot & PROT_READ ? "r" : "", prot & PROT_WRITE ? "w" : "",
		 prot & PROT_EXEC ? "x" : "", prot ? "" : "none");
	return b[i];
}

/* mmap with random everything; the model predicts the errno */
static void rnd_mmap(struct rnd *s)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE,
				     PROT_EXEC, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC };
	struct th_rng *r = &s->r;
	int fk = th_below(r, 6) == 0 ? 1 + (int)th_below(r, 2) : 0;
	int prot = prots[th_below(r, TH_ARRAY_SIZE(prots))];
	int flags = MAP_SHARED, want, got;
	size_t pgoff, npg, len;
	uint64_t off;
	bool huge_off = false, unaligned = false, zero = false;
	void *p;

	/* offsets and lengths: mostly near the regions, sometimes wild */
	switch (th_below(r, 8)) {
	case 0: pgoff = 0; break;
	case 1: pgoff = 1; break;
	case 2: pgoff = g_npages - 1 - th_below(r, 3); break;
	case 3: pgoff = g_npages + th_below(r, 3); break;
	default: pgoff = th_below(r, g_npages); break;
	}
	switch (th_below(r, 6)) {
	case 0: npg = 1; break;
	case 1: /* to the end, or past it */
		npg = pgoff < g_npages ? g_npages - pgoff + th_below(r, 3) : 1 + th_below(r, 3);
		break;
	case 2: npg = 1 + th_below(r, 4); break;
	default: npg = 1 + th_below(r, g_npages); break;
	}
	if (npg == 0)
		npg = 1;
	off = (uint64_t)pgoff * (uint64_t)page;
	len = npg * (size_t)page;
	if (th_below(r, 30) == 0) {
		off += 1 + th_below(r, (uint64_t)page - 1);
		unaligned = true;
	} else if (th_below(r, 30) == 0) {
		off = th_below(r, 2) ? (1ULL << 44) : (0x7fffffffffff0000ULL & ~((uint64_t)page - 1));
		pgoff = (size_t)(off / (uint64_t)page);	/* past the end: the driver's EINVAL */
		huge_off = true;
	} else if (th_below(r, 40) == 0) {
		len = 0;
		zero = true;
	} else if (th_below(r, 4) == 0) {
		len -= th_below(r, (uint64_t)page);	/* the kernel rounds up */
	}
	switch (th_below(r, 14)) {
	case 0: flags = MAP_PRIVATE; break;
	case 1: flags = MAP_SHARED_VALIDATE; break;
	case 2: flags = MAP_SHARED_VALIDATE | MAP_SYNC; break;
	case 3: flags = MAP_SHARED | MAP_POPULATE; break;
	case 4: flags = MAP_SHARED | MAP_LOCKED; break;
	case 5: flags = MAP_SHARED | MAP_NORESERVE; break;
	case 6: flags = MAP_SHARED | MAP_32BIT; break;
	case 7: flags = MAP_SHARED | MAP_HUGETLB; break;
	case 8: flags = MAP_PRIVATE | MAP_POPULATE; break;
	default: break;
	}

	/* the model: the VFS's checks, then the driver's */
	if (zero || unaligned)
		want = EINVAL;
	else if (flags & MAP_HUGETLB)
		want = EINVAL;
	else if ((flags & MAP_SYNC) && (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		want = EOPNOTSUPP;
	else if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) && fk != 0)
		want = EACCES;
	else if (fk == 2)
		want = EACCES;		/* O_WRONLY: nothing can be mapped */
	else if ((flags & MAP_TYPE) == MAP_PRIVATE)
		want = EINVAL;
	else if (pgoff >= g_npages || npg > g_npages - pgoff)
		want = EINVAL;
	else if (prot & PROT_EXEC)
		want = EPERM;
	else if ((prot & PROT_WRITE) && pgoff + npg > g_in.tails_size / (size_t)page)
		want = EPERM;
	else
		want = 0;

	p = mmap(NULL, len, prot, flags, s->fd[fk], (off_t)off);
	got = p == MAP_FAILED ? errno : 0;
	if (got == EOVERFLOW && huge_off)
		got = EINVAL;
	s->mmaps++;
	if (got != want)
		note_first(s->mmap_first, sizeof(s->mmap_first), &s->mmap_bad,
			   "mmap(len %zu, %s, flags %#x, %s fd, offset %#" PRIx64 "): %s, model says %s",
			   len, prot_str(prot), flags, fk == 0 ? "O_RDWR" : fk == 1 ? "O_RDONLY" : "O_WRONLY",
			   off, got ? strerrorname_np(got) : "ok", want ? strerrorname_np(want) : "ok");
	if (got)
		return;
	if (s->n == MAXMAP || want) {	/* unexpected success: drop it */
		munmap(p, len);
		return;
	}
	s->m[s->n].addr = p;
	s->m[s->n].npg = (len + (size_t)page - 1) / (size_t)page;
	s->m[s->n].pgoff = pgoff;
	s->m[s->n].prot = prot;
	/* the VFS clears VM_MAYWRITE for a read-only file, the driver beyond the tails page */
	s->m[s->n].maywrite = fk == 0 && pgoff + s->m[s->n].npg <= g_in.tails_size / (size_t)page;
	s->m[s->n].split = false;
	s->n++;
}

static void rnd_drop(struct rnd *s, int i)
{
	s->m[i] = s->m[--s->n];
}

/* munmap the head, a middle or the tail of a mapping (or all of it) */
static void rnd_munmap(struct rnd *s)
{
	struct th_rng *r = &s->r;
	int i = (int)th_below(r, (uint64_t)s->n);
	struct mp *m = &s->m[i];
	size_t a, b;

	if (m->npg == 1 || th_below(r, 4) == 0) {
		munmap(m->addr, m->npg * (size_t)page);
		rnd_drop(s, i);
		s->unmaps++;
		return;
	}
	a = th_below(r, m->npg);
	b = a + 1 + th_below(r, m->npg - a);
	if (a == 0 && b == m->npg)
		b--;
	if (munmap(m->addr + a * (size_t)page, (b - a) * (size_t)page)) {
		note_first(s->mremap_first, sizeof(s->mremap_first), &s->mremap_bad, "munmap: %s",
			   strerror(errno));
		return;
	}
	s->unmaps++;
	if (a > 0 && b < m->npg && s->n < MAXMAP) {
		/* a hole in the middle: two mappings now */
		s->m[s->n] = *m;
		s->m[s->n].addr = m->addr + b * (size_t)page;
		s->m[s->n].pgoff = m->pgoff + b;
		s->m[s->n].npg = m->npg - b;
		s->n++;
		m->npg = a;
	} else if (a > 0 && b < m->npg) {
		munmap(m->addr + b * (size_t)page, (m->npg - b) * (size_t)page);
		m->npg = a;
	} else if (a == 0) {
		m->addr += b * (size_t)page;
		m->pgoff += b;
		m->npg -= b;
	} else {
		m->npg = a;
	}
}

static void rnd_mprotect(struct rnd *s)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_EXEC };
	struct th_rng *r = &s->r;
	struct mp *m = &s->m[th_below(r, (uint64_t)s->n)];
	int prot = prots[th_below(r, TH_ARRAY_SIZE(prots))];
	int want, got;

	if (prot & PROT_EXEC)
		want = EACCES;
	else if ((prot & PROT_WRITE) && !m->maywrite)
		want = EACCES;
	else
		want = 0;
	got = mprotect(m->addr, m->npg * (size_t)page, prot) ? errno : 0;
	s->mprots++;
	if (got != want)
		note_first(s->mprot_first, sizeof(s->mprot_first), &s->mprot_bad,
			   "mprotect(%zu pages at device page %zu, %s -> %s): %s, model says %s", m->npg,
			   m->pgoff, prot_str(m->prot), prot_str(prot), got ? strerrorname_np(got) : "ok",
			   want ? strerrorname_np(want) : "ok");
	if (!got)
		m->prot = prot;
}

static void rnd_mremap(struct rnd *s)
{
	struct th_rng *r = &s->r;
	int i = (int)th_below(r, (uint64_t)s->n);
	struct mp *m = &s->m[i];
	size_t len = m->npg * (size_t)page;
	void *q, *dst;
	int got;

	s->mremaps++;
	switch (th_below(r, 4)) {
	case 0:	/* grow: refused, the mapping cannot expand */
		q = mremap(m->addr, len, len + (size_t)page, MREMAP_MAYMOVE);
		got = q == MAP_FAILED ? errno : 0;
		if (got != EFAULT)
			note_first(s->mremap_first, sizeof(s->mremap_first), &s->mremap_bad,
				   "mremap growing %zu pages: %s (want EFAULT)", m->npg,
				   got ? strerrorname_np(got) : "succeeded");
		if (!got)
			munmap(q, len + (size_t)page);
		if (!got)
			rnd_drop(s, i);
		break;
	case 1:	/* shrink */
		if (m->npg < 2)
			break;
		q = mremap(m->addr, len, len - (size_t)page, 0);
		got = q == MAP_FAILED ? errno : 0;
		if (got || q != m->addr)
			note_first(s->mremap_first, sizeof(s->mremap_first), &s->mremap_bad,
				   "mremap shrinking %zu pages: %s", m->npg, got ? strerrorname_np(got) : "moved");
		else
			m->npg--;
		break;
	case 2:	/* move onto a fresh spot (one VMA only: several cannot move as one) */
		dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED)
			break;
		q = mremap(m->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		got = q == MAP_FAILED ? errno : 0;
		if (m->split && got == EFAULT) {
			munmap(dst, len);
		} else if (got || q != dst) {
			note_first(s->mremap_first, sizeof(s->mremap_first), &s->mremap_bad,
				   "mremap moving %zu pages: %s", m->npg, got ? strerrorname_np(got) : "elsewhere");
			munmap(dst, len);
		} else {
			m->addr = q;
		}
		break;
	default: /* DONTUNMAP: for anonymous memory only */
		q = mremap(m->addr, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		got = q == MAP_FAILED ? errno : 0;
		if (got != EINVAL && !(m->split && got == EFAULT))
			note_first(s->mremap_first, sizeof(s->mremap_first), &s->mremap_bad,
				   "mremap DONTUNMAP of %zu pages: %s (want EINVAL)", m->npg,
				   got ? strerrorname_np(got) : "succeeded");
		if (!got)
			munmap(q, len);
		break;
	}
}

static void rnd_madvise(struct rnd *s)
{
	static const int advs[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
				    MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP,
				    MADV_DODUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_MERGEABLE,
				    MADV_UNMERGEABLE, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
				    MADV_POPULATE_WRITE, MADV_FREE, MADV_REMOVE, MADV_WIPEONFORK,
				    MADV_KEEPONFORK };
	struct th_rng *r = &s->r;
	struct mp *m = &s->m[th_below(r, (uint64_t)s->n)];
	size_t a = th_below(r, m->npg), n = 1 + th_below(r, m->npg - a);
	int adv = advs[th_below(r, TH_ARRAY_SIZE(advs))];

	s->madvs++;
	/* DONTFORK stays on the VMA: undo it so fork children may look */
	if (madvise(m->addr + a * (size_t)page, n * (size_t)page, adv))
		s->madv_err++;
	else if ((a > 0 || n < m->npg) &&
		 (adv == MADV_RANDOM || adv == MADV_SEQUENTIAL || adv == MADV_DONTFORK ||
		  adv == MADV_DONTDUMP || adv == MADV_DODUMP || adv == MADV_HUGEPAGE ||
		  adv == MADV_NOHUGEPAGE || adv == MADV_KEEPONFORK || adv == MADV_NORMAL ||
		  adv == MADV_DOFORK))
		m->split = true;	/* VMAs with a close op never merge back */
	if (adv == MADV_DONTFORK)
		madvise(m->addr + a * (size_t)page, n * (size_t)page, MADV_DOFORK);
}

/* every page of every readable mapping is the right page; writable ones take a write */
static void rnd_verify(struct rnd *s, bool all)
{
	char why[300];
	size_t pg;
	int i;

	for (i = 0; i < s->n; i++) {
		struct mp *m = &s->m[i];

		if (!(m->prot & (PROT_READ | PROT_WRITE)))
			continue;
		for (pg = 0; pg < m->npg; pg++) {
			if (!all && pg > 2 && pg + 2 < m->npg && th_below(&s->r, 64))
				continue;
			s->pages_checked++;
			if (same_page(m->addr + pg * (size_t)page, m->pgoff + pg, why, sizeof(why)))
				note_first(s->pages_first, sizeof(s->pages_first), &s->pages_bad, "%s", why);
		}
		if ((m->prot & PROT_WRITE) && m->pgoff == 0) {
			/* the tails page: write a pad word, see it in the reference */
			volatile uint64_t *w = (volatile uint64_t *)(m->addr + 60 * 8);
			uint64_t v = th_rand(&s->r);
			int sig = probe_write((volatile unsigned char *)w, 1);

			if (!sig)
				*w = v;
			if (sig || ((const volatile uint64_t *)g_reft)[60] != v)
				note_first(s->pages_first, sizeof(s->pages_first), &s->pages_bad,
					   "a write to the tails page through %p %s", (void *)m->addr,
					   sig ? "faulted" : "is not seen by the reference mapping");
		}
	}
}

static int fork_child(void *arg)
{
	struct rnd *s = arg;
	char why[300];
	int i;

	pagemap_reopen();
	for (i = 0; i < s->n; i++) {
		struct mp *m = &s->m[i];
		size_t pg = th_below(&s->r, m->npg);

		if (!(m->prot & PROT_READ))
			continue;
		if (same_page(m->addr + pg * (size_t)page, m->pgoff + pg, why, sizeof(why)))
			return 3;
		if (m->prot & PROT_WRITE) {
			if (probe_write(m->addr + 61 * 8, 0x5a))
				return 4;
		}
		/* the child unmaps part of what it inherited */
		if (th_below(&s->r, 2))
			munmap(m->addr, (size_t)page);
	}
	return 0;
}

static void rnd_fork(struct rnd *s)
{
	int st = vt_run_child(fork_child, s);

	s->forks++;
	th_rand(&s->r);	/* the child used the same stream */
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		note_first(s->fork_first, sizeof(s->fork_first), &s->fork_bad,
			   "child status %#x (3: wrong page, 4: write faulted)", st);
}

static void random_phase(unsigned int ms)
{
	struct rnd *s = calloc(1, sizeof(*s));
	uint64_t t0;
	int i, e1, e2;

	if (!s)
		vt_bail("mmisuse-setup", "out of memory");
	th_rng_init(&s->r, g_seed, 1);
	s->fd[0] = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	s->fd[1] = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	s->fd[2] = open(MONSTER_DEVICE_PATH, O_WRONLY | O_CLOEXEC);
	if (s->fd[0] < 0 || s->fd[1] < 0 || s->fd[2] < 0)
		vt_bail("mmisuse-setup", "open: %s", strerror(errno));
	vt_set_rate_scope(s->fd[0], 1000, MONSTER_SCOPE_PROCESS);
	vt_start(s->fd[0]);

	t0 = th_now_ns();
	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL) {
		unsigned int op = (unsigned int)th_below(&s->r, 100);

		if (s->n == 0 || op < 30)
			rnd_mmap(s);
		else if (op < 45)
			rnd_munmap(s);
		else if (op < 58)
			rnd_mprotect(s);
		else if (op < 68)
			rnd_mremap(s);
		else if (op < 82)
			rnd_madvise(s);
		else if (op < 84)
			rnd_fork(s);
		else if (op < 87)
			msync(s->m[0].addr, s->m[0].npg * (size_t)page,
			      th_below(&s->r, 2) ? MS_ASYNC : MS_SYNC | MS_INVALIDATE);
		else if (op < 89) {
			if (!mlock(s->m[0].addr, s->m[0].npg * (size_t)page))
				munlock(s->m[0].addr, s->m[0].npg * (size_t)page);
		} else {
			rnd_verify(s, false);
		}
	}
	rnd_verify(s, true);
	vt_stop(s->fd[0]);

	th_check(s->mmaps > 50 && s->mmap_bad == 0, "mmisuse-random-mmap-model",
		 "%" PRIu64 " random mmaps, %" PRIu64 " not as predicted%s%s", s->mmaps, s->mmap_bad,
		 s->mmap_bad ? "; first: " : "", s->mmap_first);
	th_check(s->mprots > 10 && s->mprot_bad == 0, "mmisuse-random-mprotect-model",
		 "%" PRIu64 " mprotects, %" PRIu64 " not as predicted%s%s", s->mprots, s->mprot_bad,
		 s->mprot_bad ? "; first: " : "", s->mprot_first);
	th_check(s->mremaps > 10 && s->mremap_bad == 0, "mmisuse-random-mremap-munmap",
		 "%" PRIu64 " mremaps (grow/shrink/move/DONTUNMAP), %" PRIu64 " partial or whole munmaps, %" PRIu64
		 " not as predicted%s%s", s->mremaps, s->unmaps, s->mremap_bad, s->mremap_bad ? "; first: " : "",
		 s->mremap_first);
	th_check(s->pages_checked > 100 && s->pages_bad == 0, "mmisuse-random-pages-right",
		 "%" PRIu64 " page checks (pagemap pfn against the reference mapping, after %" PRIu64
		 " madvise calls of which %" PRIu64 " refused): %" PRIu64 " wrong%s%s",
		 s->pages_checked, s->madvs, s->madv_err, s->pages_bad, s->pages_bad ? "; first: " : "",
		 s->pages_first);
	th_check(s->forks > 0 && s->fork_bad == 0, "mmisuse-random-fork",
		 "%" PRIu64 " children forked with the mappings (check, write, unmap, exit): %" PRIu64 " failed%s%s",
		 s->forks, s->fork_bad, s->fork_bad ? "; first: " : "", s->fork_first);

	for (i = 0; i < s->n; i++)
		munmap(s->m[i].addr, s->m[i].npg * (size_t)page);
	close(s->fd[1]);
	close(s->fd[2]);
	/* only fd[0] open, the reference mappings aside nothing mapped */
	munmap((void *)g_ref, g_in.map_size);
	munmap(g_reft, g_in.tails_size);
	vs_check_arith(s->fd[0], NULL, "mmisuse-random-arith");
	e1 = vt_set_slots(s->fd[0], 1024);
	e2 = vt_set_slots(s->fd[0], g_in.ring_slots);
	th_check(!e1 && !e2, "mmisuse-random-no-leaked-refs",
		 "everything unmapped: resize to 1024 slots %s, back to %u %s", e1 ? strerror(e1) : "ok",
		 g_in.ring_slots, e2 ? strerror(e2) : "ok");
	close(s->fd[0]);
	free(s);
	vs_kmsg_check(&g_mark, "mmisuse-random-kernel-log");
}

/* ---- scenarios ---------------------------------------------------------------------- */

static void refs_map(void)
{
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 || vt_ioctl(fd, MONSTER_IOC_GET_INFO, &g_in))
		vt_bail("mmisuse-setup", "open/GET_INFO: %s", strerror(errno));
	g_npages = g_in.map_size / (size_t)page;
	g_ref = mmap(NULL, g_in.map_size, PROT_READ, MAP_SHARED, fd, 0);
	g_reft = mmap(NULL, g_in.tails_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g_ref == MAP_FAILED || g_reft == MAP_FAILED)
		vt_bail("mmisuse-setup", "reference mappings: %s", strerror(errno));
	close(fd);
}

struct fork_sh {
	volatile int phase;
	volatile int result;
};

static int unmapped_parent_child(void *arg)
{
	struct fork_sh *sh = arg;
	const struct monster_headers *h = (const void *)(g_ref + g_in.headers_offset);
	char why[300];
	uint64_t t0;

	pagemap_reopen();
	vt_child_ready();
	while (sh->phase == 0)
		th_sleep_ms(1);
	/* the parent has unmapped and closed everything: the rings must still be here */
	t0 = th_now_ns();
	while (th_now_ns() - t0 < 200000000ULL) {
		if (h->shared.magic != MONSTER_MAGIC || h->ring[14].prime != 71) {
			sh->result = 1;
			return 1;
		}
		if (same_page(g_ref + g_in.data_offset, g_in.data_offset / (size_t)page, why, sizeof(why))) {
			/* ref_pfn reads the same mapping: only a fault can fail here */
			sh->result = 2;
			return 2;
		}
		((volatile uint64_t *)g_reft)[62] = t0;
	}
	sh->result = 0;
	while (sh->phase == 1)
		th_sleep_ms(1);
	return 0;
}

static int dontfork_child(void *arg)
{
	unsigned char c;

	return probe_read((const unsigned char *)arg, &c) == SIGSEGV ? 0 : 5;
}

static int writer_child(void *arg)
{
	volatile uint64_t *pad = arg;

	*pad = 0x1122334455667788ULL;
	return 0;
}

static void fork_scenarios(void)
{
	struct fork_sh *sh = vt_shared_alloc(sizeof(*sh));
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC), e1, e2, st, fd2;
	unsigned char *t, *d;
	pid_t pid;

	if (!sh || fd < 0)
		vt_bail("mmisuse-setup", "shared/open: %s", strerror(errno));

	/* a child writes through the mapping it inherited, then exits */
	if (map_dev(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED, (void **)&t))
		vt_bail("mmisuse-setup", "map tails: %s", strerror(errno));
	((volatile uint64_t *)t)[63] = 0;
	st = vt_run_child(writer_child, t + 63 * 8);
	th_check(st != -1 && WIFEXITED(st) && !WEXITSTATUS(st) &&
		 ((volatile uint64_t *)t)[63] == 0x1122334455667788ULL &&
		 ((volatile uint64_t *)g_reft)[63] == 0x1122334455667788ULL, "mmisuse-fork-child-writes",
		 "child status %#x; its write is seen through the parent's and the reference mapping: %d",
		 st, ((volatile uint64_t *)t)[63] == 0x1122334455667788ULL);

	/* MADV_DONTFORK: the child has no mapping there */
	madvise(t, (size_t)page, MADV_DONTFORK);
	st = vt_run_child(dontfork_child, t);
	th_check(st != -1 && WIFEXITED(st) && !WEXITSTATUS(st), "mmisuse-fork-dontfork",
		 "a MADV_DONTFORK mapping is absent in the child (its access faults): status %#x", st);
	munmap(t, (size_t)page);
	close(fd);

	/*
	 * The parent unmaps and closes everything; a child that inherited the
	 * reference mappings keeps using them; meanwhile a resize is EBUSY.
	 */
	pid = vt_spawn("monster-heir", unmapped_parent_child, sh, true);
	munmap((void *)g_ref, g_in.map_size);
	munmap(g_reft, g_in.tails_size);
	fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	sh->phase = 1;
	th_sleep_ms(50);
	e1 = vt_set_slots(fd2, 1024);
	sh->phase = 2;
	if (pid > 0)
		waitpid(pid, &st, 0);
	e2 = vt_set_slots(fd2, 1024);
	th_check(pid > 0 && sh->result == 0 && e1 == EBUSY && !e2, "mmisuse-fork-parent-unmapped",
		 "child kept reading/writing the rings after the parent unmapped and closed: %s; resize while the child maps: %s (want EBUSY), after it exited: %s",
		 sh->result == 0 ? "ok" : sh->result == 1 ? "wrong magic" : "faulted",
		 e1 ? strerrorname_np(e1) : "succeeded", e2 ? strerrorname_np(e2) : "ok");
	vt_set_slots(fd2, g_in.ring_slots);
	close(fd2);
	vt_kill(pid);
	refs_map();

	/* munmap of the head, a middle and the tail page of a data mapping */
	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	{
		size_t dp = g_in.data_offset / (size_t)page, n = 16, i;
		char why[300] = "";
		int bad = 0, holes = 0;
		unsigned char c;

		if (map_dev(fd, dp, n, PROT_READ, MAP_SHARED, (void **)&d))
			vt_bail("mmisuse-setup", "map data: %s", strerror(errno));
		munmap(d, (size_t)page);
		munmap(d + 7 * (size_t)page, (size_t)page);
		munmap(d + (n - 1) * (size_t)page, (size_t)page);
		for (i = 0; i < n; i++) {
			bool hole = i == 0 || i == 7 || i == n - 1;

			if (hole) {
				holes += probe_read(d + i * (size_t)page, &c) == SIGSEGV;
				continue;
			}
			bad += same_page(d + i * (size_t)page, dp + i, why, sizeof(why));
		}
		e1 = vt_set_slots(fd, 1024);
		munmap(d + (size_t)page, 6 * (size_t)page);
		munmap(d + 8 * (size_t)page, (n - 9) * (size_t)page);
		th_check(!bad && holes == 3 && e1 == EBUSY, "mmisuse-munmap-head-middle-tail",
			 "16 data pages, pages 0, 7 and 15 unmapped: the other 13 the right pages (%d wrong%s%s), %d of 3 holes fault; resize while the pieces are mapped: %s (want EBUSY)",
			 bad, bad ? ": " : "", why, holes, e1 ? strerrorname_np(e1) : "succeeded");
	}
	close(fd);
	vs_kmsg_check(&g_mark, "mmisuse-fork-munmap-kernel-log");
}

static void close_and_mremap(void)
{
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	struct monster_stats st;
	struct monster_headers *h, *q;
	struct monster_ring_tail *t;
	unsigned char c;
	void *dst, *g;
	char why[300] = "";
	uint64_t head;
	int bad, fd2, e;

	if (map_dev(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED, (void **)&t) ||
	    map_dev(fd, g_in.headers_offset / (size_t)page, 1, PROT_READ, MAP_SHARED, (void **)&h))
		vt_bail("mmisuse-setup", "map: %s", strerror(errno));
	vt_set_rate_scope(fd, 200, MONSTER_SCOPE_PROCESS);
	vt_start(fd);
	th_sleep_ms(100);
	vt_stop(fd);
	close(fd);

	/* the fd is gone, the mapping is not: release ring 2 up to head through it */
	head = __atomic_load_n(&h->ring[2].head, __ATOMIC_ACQUIRE);
	__atomic_store_n(&t[2].tail, head, __ATOMIC_RELEASE);
	fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	e = vt_get_stats(fd2, &st);
	th_check(!e && h->shared.magic == MONSTER_MAGIC && st.ring[2].tail == head && st.ring[2].head == head,
		 "mmisuse-access-after-close",
		 "after close(fd): magic %#x, tail %" PRIu64 " written through the mapping is in force: %" PRIu64
		 " (head %" PRIu64 ")", h->shared.magic, head, (uint64_t)st.ring[2].tail,
		 (uint64_t)st.ring[2].head);

	/* mremap: a move keeps the page, the old address faults */
	dst = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mremap(h, (size_t)page, (size_t)page, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	bad = q == MAP_FAILED ? 1 : same_page((unsigned char *)q, g_in.headers_offset / (size_t)page, why, sizeof(why));
	th_check(q == dst && !bad && q->shared.magic == MONSTER_MAGIC &&
		 probe_read((unsigned char *)h, &c) == SIGSEGV, "mmisuse-mremap-move",
		 "headers page moved: %s%s%s, the old address faults",
		 q == MAP_FAILED ? strerror(errno) : "ok", bad ? "; " : "", why);
	if (q != MAP_FAILED)
		h = q;
	g = mremap(h, (size_t)page, 2 * (size_t)page, MREMAP_MAYMOVE);
	e = g == MAP_FAILED ? errno : 0;
	th_check(e == EFAULT, "mmisuse-mremap-grow-refused", "mremap growing the headers mapping: %s",
		 e ? strerrorname_np(e) : "succeeded");
	if (!e)
		munmap(g, 2 * (size_t)page);
	{
		unsigned char *w;

		if (!map_dev(fd2, g_in.data_offset / (size_t)page, 4, PROT_READ, MAP_SHARED, (void **)&w)) {
			void *s2 = mremap(w, 4 * (size_t)page, 2 * (size_t)page, 0);

			bad = s2 == w ? same_page(w + (size_t)page, g_in.data_offset / (size_t)page + 1, why, sizeof(why)) : 1;
			th_check(s2 == w && !bad && probe_read(w + 2 * (size_t)page, &c) == SIGSEGV,
				 "mmisuse-mremap-shrink", "4 data pages shrunk to 2: %s%s%s",
				 s2 == MAP_FAILED ? strerror(errno) : "ok", bad ? "; " : "", why);
			munmap(w, 2 * (size_t)page);
		} else {
			th_fail("mmisuse-mremap-shrink", "map: %s", strerror(errno));
		}
	}
	munmap(h, (size_t)page);
	munmap(t, (size_t)page);
	close(fd2);
}

static void madvise_scenarios(void)
{
	static const struct {
		int adv;
		const char *name;
	} advs[] = {
		{ MADV_DONTNEED, "DONTNEED" }, { MADV_COLD, "COLD" }, { MADV_PAGEOUT, "PAGEOUT" },
		{ MADV_WILLNEED, "WILLNEED" }, { MADV_POPULATE_READ, "POPULATE_READ" },
		{ MADV_MERGEABLE, "MERGEABLE" }, { MADV_HUGEPAGE, "HUGEPAGE" },
	};
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *t, *w;
	char res[600] = "", why[300] = "";
	size_t dp = g_in.data_offset / (size_t)page, i, off = 0;
	int bad = 0, sigs = 0;

	if (map_dev(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED, (void **)&t) ||
	    map_dev(fd, 0, g_npages, PROT_READ, MAP_SHARED, (void **)&w))
		vt_bail("mmisuse-setup", "map: %s", strerror(errno));
	((volatile uint64_t *)t)[59] = 0xfeedULL;
	for (i = 0; i < TH_ARRAY_SIZE(advs); i++) {
		int e1 = madvise(t, (size_t)page, advs[i].adv) ? errno : 0;
		int e2 = madvise(w, g_in.map_size, advs[i].adv) ? errno : 0;
		unsigned char c;
		int s1 = probe_read(t, &c), s2 = probe_read(w + g_in.data_offset, &c);

		sigs += (s1 != 0) + (s2 != 0);
		if (!s1 && ((volatile uint64_t *)t)[59] != 0xfeedULL)
			bad++;
		if (!s1)
			bad += same_page(t, 0, why, sizeof(why));
		if (!s2)
			bad += same_page(w + g_in.data_offset, dp, why, sizeof(why));
		bad += same_page(w + g_in.headers_offset, 1, why, sizeof(why));
		off += (size_t)snprintf(res + off, sizeof(res) - off, "%s%s %s/%s%s", i ? ", " : "",
					advs[i].name, e1 ? strerrorname_np(e1) : "ok", e2 ? strerrorname_np(e2) : "ok",
					s1 || s2 ? " then SIGBUS" : " then same pages");
		if (off >= sizeof(res))
			off = sizeof(res) - 1;
	}
	/* SIGBUS after DONTNEED would be tolerable for the kernel's sake; wrong pages would not */
	th_check(bad == 0, "mmisuse-madvise-then-access",
		 "madvise on the tails page / the whole mapping, then access: %s%s%s", res,
		 bad ? "; WRONG: " : "", bad ? why : "");
	if (sigs)
		th_note("after madvise the mapping raised SIGBUS %d times (no fault handler?)", sigs);
	munmap(w, g_in.map_size);
	munmap(t, (size_t)page);
	close(fd);
}

static void kernel_path_scenarios(void)
{
	int fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC), mem, pfd[2], e1, e2, e3, e4, e5;
	struct monster_headers *h;
	unsigned char *d, *t;
	char buf[64];
	uint32_t magic0;
	uint64_t v = 0x0123456789abcdefULL;
	struct iovec l, rv;
	ssize_t n;

	if (map_dev(fd, g_in.headers_offset / (size_t)page, 1, PROT_READ, MAP_SHARED, (void **)&h) ||
	    map_dev(fd, g_in.data_offset / (size_t)page, 2, PROT_READ, MAP_SHARED, (void **)&d) ||
	    map_dev(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED, (void **)&t))
		vt_bail("mmisuse-setup", "map: %s", strerror(errno));
	magic0 = h->shared.magic;

	/* /proc/self/mem is a FOLL_FORCE writer: not into a read-only shared mapping */
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	e1 = pwrite(mem, &v, 8, (off_t)(uintptr_t)h) == 8 ? 0 : errno;
	e2 = pwrite(mem, &v, 8, (off_t)(uintptr_t)d) == 8 ? 0 : errno;
	e3 = pwrite(mem, &v, 8, (off_t)(uintptr_t)(t + 58 * 8)) == 8 ? 0 : errno;
	close(mem);
	th_check(mem >= 0 && e1 && e2 && !e3 && h->shared.magic == magic0 &&
		 ((volatile uint64_t *)t)[58] == v, "mmisuse-proc-mem-write-ro",
		 "pwrite(/proc/self/mem) to the headers: %s, to the data: %s (both must fail), to the tails page: %s; magic %#x",
		 e1 ? strerrorname_np(e1) : "WROTE", e2 ? strerrorname_np(e2) : "WROTE",
		 e3 ? strerrorname_np(e3) : "ok", h->shared.magic);

	/* process_vm_writev and read(2) into the read-only regions */
	l.iov_base = &v;
	l.iov_len = 8;
	rv.iov_base = h;
	rv.iov_len = 8;
	n = process_vm_writev(getpid(), &l, 1, &rv, 1, 0);
	e4 = n < 0 ? errno : 0;
	if (pipe(pfd) == 0) {
		(void)!write(pfd[1], &v, 8);
		e5 = read(pfd[0], (void *)d, 8) < 0 ? errno : 0;
		close(pfd[0]);
		close(pfd[1]);
	} else {
		e5 = EIO;
	}
	th_check(e4 == EFAULT && e5 == EFAULT && h->shared.magic == magic0, "mmisuse-kernel-writes-ro-refused",
		 "process_vm_writev into the headers: %s, read(2) from a pipe into the data: %s (both EFAULT)",
		 e4 ? strerrorname_np(e4) : "WROTE", e5 ? strerrorname_np(e5) : "WROTE");

	/* futexes on the tails page: no crash, only ordinary answers */
	{
		uint32_t *fw = (uint32_t *)(t + 57 * 8);
		struct timespec ts = { 0, 1000000 };
		long r1, r2, r3;
		int f1, f2, f3;

		*fw = 7;
		r1 = syscall(SYS_futex, fw, FUTEX_WAIT_PRIVATE, 8, &ts, NULL, 0);
		f1 = r1 ? errno : 0;
		r2 = syscall(SYS_futex, fw, FUTEX_WAIT, 7, &ts, NULL, 0);
		f2 = r2 ? errno : 0;
		r3 = syscall(SYS_futex, fw, FUTEX_WAKE, 1, NULL, NULL, 0);
		f3 = r3 < 0 ? errno : 0;
		th_check(f1 == EAGAIN && (f2 == ETIMEDOUT || f2 == EFAULT || f2 == EINVAL) &&
			 (f3 == 0 || f3 == EFAULT || f3 == EINVAL), "mmisuse-futex-on-tails",
			 "private wait with a stale value: %s, shared wait: %s, shared wake: %s",
			 f1 ? strerrorname_np(f1) : "0", f2 ? strerrorname_np(f2) : "0",
			 f3 ? strerrorname_np(f3) : "0");
	}

	/* soft-dirty: clear_refs write-protects the PTEs; writing the tails page again works */
	{
		int e = vt_write_file("/proc/self/clear_refs", "4");
		uint64_t pm = 0;

		((volatile uint64_t *)t)[56] = 0xabcdULL;
		if (g_pagemap >= 0)
			(void)!pread(g_pagemap, &pm, 8, (off_t)((uintptr_t)t / (uintptr_t)page) * 8);
		th_check(!e && ((volatile uint64_t *)g_reft)[56] == 0xabcdULL &&
			 same_page(t, 0, buf, sizeof(buf)) == 0,
			 "mmisuse-soft-dirty-write", "clear_refs 4: %s; a write to the tails page afterwards is seen (soft-dirty %d)",
			 e ? strerror(e) : "ok", (int)((pm >> 55) & 1));
		vt_write_file("/proc/self/clear_refs", "1");
	}

	/* mlock of everything, smaps shows the mapping */
	{
		int e6 = mlock(d, 2 * (size_t)page) ? errno : 0;
		int e7 = munlock(d, 2 * (size_t)page) ? errno : 0;
		char *sm = malloc(1 << 20);
		ssize_t sl = sm ? vt_read_file("/proc/self/smaps", sm, 1 << 20) : -1;
		bool has = sl > 0 && strstr(sm, "/dev/monster");

		th_check(!e6 && !e7 && has, "mmisuse-mlock-smaps", "mlock %s, munlock %s, /proc/self/smaps lists /dev/monster: %d",
			 e6 ? strerrorname_np(e6) : "ok", e7 ? strerrorname_np(e7) : "ok", has);
		free(sm);
	}

	/*
	 * vmsplice'd pages are held by the pipe: they must outlive munmap, close
	 * and a resize that frees the rings (no use after free: the magic stays).
	 */
	{
		struct iovec iv[2] = { { (void *)h, 64 }, { d, 64 } };
		struct monster_sample first;
		int fd2, e;
		ssize_t sp = -1, rd = 0;
		unsigned char got[128];

		memcpy(&first, d, 64);
		if (pipe(pfd) == 0)
			sp = vmsplice(pfd[1], iv, 2, 0);
		munmap(h, (size_t)page);
		munmap(d, 2 * (size_t)page);
		munmap(t, (size_t)page);
		close(fd);
		munmap((void *)g_ref, g_in.map_size);
		munmap(g_reft, g_in.tails_size);
		fd2 = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		e = vt_set_slots(fd2, 1024);
		if (sp == 128)
			rd = read(pfd[0], got, sizeof(got));
		th_check(sp == 128 && !e && rd == 128 && ((uint32_t *)got)[0] == MONSTER_MAGIC &&
			 memcmp(got + 64, &first, 64) == 0, "mmisuse-vmsplice-outlives-rings",
			 "vmsplice of a headers and a data chunk: %zd bytes; rings unmapped, closed and resized away (%s); the pipe still reads magic %#x and the old record",
			 sp, e ? strerror(e) : "ok", rd == 128 ? ((uint32_t *)got)[0] : 0);
		close(pfd[0]);
		close(pfd[1]);
		vt_set_slots(fd2, g_in.ring_slots);
		close(fd2);
		refs_map();
	}
	vs_kmsg_check(&g_mark, "mmisuse-kernel-paths-kernel-log");
}

static void rdonly_fd(void)
{
	int fd = open(MONSTER_DEVICE_PATH, O_RDONLY | O_CLOEXEC), e1, e2, e3, e4;
	void *p, *q;
	const struct monster_headers *h;

	e1 = map_dev(fd, g_in.headers_offset / (size_t)page, 1, PROT_READ, MAP_SHARED, &p);
	h = p;
	e2 = map_dev(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED, &q);
	if (!e2)
		munmap(q, (size_t)page);
	e3 = map_dev(fd, 0, 1, PROT_READ, MAP_SHARED, &q);
	e4 = e3 ? e3 : (mprotect(q, (size_t)page, PROT_READ | PROT_WRITE) ? errno : 0);
	th_check(!e1 && h->shared.magic == MONSTER_MAGIC && e2 == EACCES && !e3 && e4 == EACCES,
		 "mmisuse-rdonly-fd-observes",
		 "O_RDONLY fd: map the headers read-only %s%s, the tails page writable %s (want EACCES), read-only %s, then mprotect to writable %s (want EACCES)",
		 e1 ? strerrorname_np(e1) : "ok", !e1 && h->shared.magic == MONSTER_MAGIC ? " (magic ok)" : "",
		 e2 ? strerrorname_np(e2) : "succeeded", e3 ? strerrorname_np(e3) : "ok",
		 e4 ? strerrorname_np(e4) : "succeeded");
	if (!e1)
		munmap(p, (size_t)page);
	if (!e3)
		munmap(q, (size_t)page);
	close(fd);
}

/* the module reloaded with other parameters: mapping follows the new layout */
static void reload_scenario(void)
{
	static const char args[] = "ring_slots=128 rate_hz=1000";
	struct vs_consumer *c = calloc(1, sizeof(*c));
	struct monster_info in;
	int e_rm, e_ins = -1, e_map = -1, e_past = -1, e_back;
	uint64_t want_size = 2 * (uint64_t)page + 15ULL * 128 * sizeof(struct monster_sample);
	void *p;

	munmap((void *)g_ref, g_in.map_size);
	munmap(g_reft, g_in.tails_size);
	e_rm = vt_module_unload(O_NONBLOCK);
	if (!e_rm)
		e_ins = vt_module_load(args);
	if (!e_ins && c && vs_consumer_begin(c, MONSTER_SCOPE_PROCESS) == 0) {
		in = c->d.info;
		e_map = 0;
		/* the old, bigger layout is past the end now */
		e_past = map_dev(c->d.fd, g_in.map_size / (size_t)page - 1, 1, PROT_READ, MAP_SHARED, &p);
		if (!e_past)
			munmap(p, (size_t)page);
		vt_start(c->d.fd);
		vs_consume_for(c, 300);
		vt_stop(c->d.fd);
		th_check(in.ring_slots == 128 && in.map_size == want_size && e_past == EINVAL,
			 "mmisuse-reload-params-layout",
			 "reloaded with %s: ring_slots %u, map_size %" PRIu64 " (want %" PRIu64 "), the old last page: %s (want EINVAL)",
			 args, in.ring_slots, (uint64_t)in.map_size, want_size,
			 e_past ? strerrorname_np(e_past) : "mapped");
		vs_consumer_finish(c, "mmisuse-reload-consumer", false);
		vs_consumer_end(c);
	} else {
		th_fail("mmisuse-reload-params-layout", "rmmod: %s, insmod %s: %s, map: %d",
			e_rm ? strerrorname_np(e_rm) : "ok", args,
			e_ins ? strerrorname_np(e_ins > 0 ? e_ins : EIO) : "ok", e_map);
	}
	/* back to the module as the harness loaded it */
	if (vt_module_loaded())
		vt_module_unload(O_NONBLOCK);
	e_back = vt_module_reload();
	th_check(!e_back && vt_module_loaded(), "mmisuse-reload-defaults",
		 "module reloaded with the harness's parameters: %s", e_back ? strerror(e_back) : "ok");
	free(c);
}

int main(void)
{
	g_seed = vs_begin("t_92_mmap_misuse", 900, &g_mark);
	page = sysconf(_SC_PAGESIZE);
	signal(SIGSEGV, on_fault);
	signal(SIGBUS, on_fault);
	g_pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (g_pagemap < 0)
		vt_bail("mmisuse-setup", "/proc/self/pagemap: %s", strerror(errno));
	vt_spawn_variety(3);
	refs_map();

	random_phase(vs_ms(4000, 60000));
	refs_map();
	fork_scenarios();
	close_and_mremap();
	madvise_scenarios();
	rdonly_fd();
	kernel_path_scenarios();
	vt_kill_children();
	reload_scenario();
	vs_kmsg_check(&g_mark, "mmisuse-kernel-log");
	return vt_end();
}
