// SPDX-License-Identifier: GPL-2.0
/*
 * monster_ring.c - the 15 rings: their memory, its mapping into userspace,
 * and the producer side of the ring protocol (see uapi/monster.h).
 *
 * Producers (sweep threads, and any context that can take a raw spinlock
 * with interrupts off) write a record under the ring's lock: reserve,
 * write, publish. So [tail, head) is always complete, and the counters,
 * read under the same lock, always add up: produced == head + dropped.
 */
#define pr_fmt(fmt) "monster: " fmt

#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "monster_compat.h"
#include "monster_dev.h"

/* Region layout: tails page (rw), headers (ro), ring data (ro). */
#define MONSTER_TAILS_SIZE	PAGE_SIZE
#define MONSTER_HEADERS_SIZE	PAGE_ALIGN(sizeof(struct monster_headers))
#define MONSTER_DATA_OFFSET	(MONSTER_TAILS_SIZE + MONSTER_HEADERS_SIZE)

static_assert(sizeof(struct monster_ring_tail) * MONSTER_NR_RINGS <= PAGE_SIZE);

static void monster_buf_free_pages(struct monster_buf *buf)
{
	unsigned int i;

	if (buf->vaddr)
		vunmap(buf->vaddr);
	for (i = 0; buf->pages && i < buf->nr_pages && buf->pages[i]; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
}

/* The node every page landed on, or NUMA_NO_NODE if they are spread. */
static int monster_buf_page_node(const struct monster_buf *buf)
{
	int nid = page_to_nid(buf->pages[0]);
	unsigned int i;

	for (i = 1; i < buf->nr_pages; i++)
		if (page_to_nid(buf->pages[i]) != nid)
			return NUMA_NO_NODE;
	return nid;
}

static void monster_buf_init_rings(struct monster_buf *buf)
{
	struct monster_info info;
	unsigned int i;

	monster_buf_info(buf, &info);
	monster_headers_init(buf->hdrs, &info);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring *r = &buf->ring[i];

		raw_spin_lock_init(&r->lock);
		r->mask = buf->slots - 1;
		r->prime = monster_prime(i);
		r->data = buf->vaddr + monster_ring_data_offset(&info, i);
		r->hdr = &buf->hdrs->ring[i];
		r->utail = &buf->tails[i];
	}
}

/*
 * Allocate the rings: slots records per ring, zeroed, on @node if it has
 * memory (NUMA_NO_NODE: the local node). slots is validated by the caller.
 */
struct monster_buf *monster_buf_alloc(u32 slots, int node)
{
	struct monster_buf *buf;
	unsigned int i;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	kref_init(&buf->ref);
	buf->slots = slots;
	buf->ring_bytes = (size_t)slots * sizeof(struct monster_sample);
	buf->size = MONSTER_DATA_OFFSET + MONSTER_NR_RINGS * buf->ring_bytes;
	buf->nr_pages = buf->size >> PAGE_SHIFT;

	buf->pages = kvcalloc(buf->nr_pages, sizeof(*buf->pages),
			      GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!buf->pages)
		goto fail;
	/* up to ~720 MiB on an ioctl's behalf: fail with -ENOMEM, never OOM-kill */
	for (i = 0; i < buf->nr_pages; i++) {
		buf->pages[i] = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
						 __GFP_RETRY_MAYFAIL, 0);
		if (!buf->pages[i])
			goto fail;
	}
	buf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!buf->vaddr)
		goto fail;
	buf->tails = buf->vaddr;
	buf->hdrs = buf->vaddr + MONSTER_TAILS_SIZE;
	buf->node = monster_buf_page_node(buf);
	monster_buf_init_rings(buf);
	return buf;

fail:
	monster_buf_free_pages(buf);
	kfree(buf);
	return NULL;
}

static void monster_buf_release(struct kref *ref)
{
	struct monster_buf *buf = container_of(ref, struct monster_buf, ref);

	monster_buf_free_pages(buf);
	kfree(buf);
}

void monster_buf_get(struct monster_buf *buf)
{
	kref_get(&buf->ref);
}

void monster_buf_put(struct monster_buf *buf)
{
	kref_put(&buf->ref, monster_buf_release);
}

/* True while any mapping holds the rings besides the device itself. */
bool monster_buf_in_use(struct monster_buf *buf)
{
	return kref_read(&buf->ref) > 1;
}

void monster_buf_info(const struct monster_buf *buf, struct monster_info *info)
{
	memset(info, 0, sizeof(*info));
	monster_info_geometry(info, buf->slots);
	/* what this driver offers of what the header defines */
	info->features = MONSTER_FEATURES;
	if (!MONSTER_HAVE_CHANGED_ONLY)
		info->features &= ~MONSTER_FEAT_CHANGED_ONLY;
	info->numa_node = buf->node;
	info->page_size = PAGE_SIZE;
	info->map_size = buf->size;
	info->tails_offset = 0;
	info->tails_size = MONSTER_TAILS_SIZE;
	info->headers_offset = MONSTER_TAILS_SIZE;
	info->headers_size = MONSTER_HEADERS_SIZE;
	info->data_offset = MONSTER_DATA_OFFSET;
}

/* VMAs (including split and forked copies) each hold a reference. */
static void monster_vm_open(struct vm_area_struct *vma)
{
	monster_buf_get(vma->vm_private_data);
}

static void monster_vm_close(struct vm_area_struct *vma)
{
	monster_buf_put(vma->vm_private_data);
}

/* Pages zapped by madvise(MADV_DONTNEED) come back on the next touch. */
static vm_fault_t monster_vm_fault(struct vm_fault *vmf)
{
	struct monster_buf *buf = vmf->vma->vm_private_data;

	if (vmf->pgoff >= buf->nr_pages)
		return VM_FAULT_SIGBUS;
	vmf->page = buf->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct monster_vm_ops = {
	.open = monster_vm_open,
	.close = monster_vm_close,
	.fault = monster_vm_fault,
};

/*
 * Only the tails page may be writable. Anything touching the producer's
 * pages is read-only for good: VM_MAYWRITE is cleared so mprotect() cannot
 * upgrade it. vm_map_pages() inserts ordinary pages (not a PFN map), which
 * is what lets cuMemHostRegister pin the mapping.
 */
int monster_buf_mmap(struct monster_buf *buf, struct vm_area_struct *vma)
{
	unsigned long off = vma->vm_pgoff;
	unsigned long len = vma_pages(vma);
	int ret;

	/* MAP_SHARED: VM_SHARED itself is cleared for a file opened read-only */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (off >= buf->nr_pages || len > buf->nr_pages - off)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (off + len > (MONSTER_TAILS_SIZE >> PAGE_SHIFT)) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);

	ret = vm_map_pages(vma, buf->pages, buf->nr_pages);
	if (ret)
		return ret;
	vma->vm_ops = &monster_vm_ops;
	vma->vm_private_data = buf;
	monster_buf_get(buf);
	return 0;
}

/*
 * Bring the tail in force up to the consumer's tail. That tail is untrusted:
 * one behind the tail in force or past @head is ignored. The tail in force
 * only moves forward, so every observer (the sampler, GET_STATS, poll) may
 * advance it: a compare-and-swap maximum settles concurrent ones. Returns
 * false, with the value in *bad, when the consumer's tail was ignored.
 */
static bool monster_ring_observe_tail(struct monster_ring *r, u64 head, u64 *bad)
{
	/* acquire: the consumer's reads of the slots it frees come first */
	u64 t = smp_load_acquire(&r->utail->tail);
	u64 cur = READ_ONCE(r->tail);

	while (t != cur && monster_tail_valid(t, cur, head)) {
		u64 old = cmpxchg(&r->tail, cur, t);

		if (old == cur)
			return true;
		cur = old;
	}
	if (t <= head && (t == cur || READ_ONCE(r->utail->tail) != t))
		return true;	/* in force, or overtaken by a newer tail */
	*bad = t;
	return false;
}

/* A producer's view, under r->lock: a rejected value is counted once, not every time. */
static void monster_ring_refresh_tail(struct monster_ring *r)
{
	u64 bad;

	if (monster_ring_observe_tail(r, r->head, &bad)) {
		r->bad_tail_seen = false;
	} else if (!r->bad_tail_seen || bad != r->last_bad_tail) {
		r->bad_tail_seen = true;
		r->last_bad_tail = bad;
		r->bad_tails++;
	}
}

/*
 * The tail in force as of @head, a head the caller loaded with acquire:
 * first advanced to the consumer's tail if that is valid. A concurrent
 * sampler may have moved it past @head since; then everything up to @head
 * was released, so the caller sees head == tail, never tail > head.
 */
u64 monster_ring_tail_at(struct monster_ring *r, u64 head)
{
	u64 bad;

	monster_ring_observe_tail(r, head, &bad);
	return min(READ_ONCE(r->tail), head);
}

/* The mirror userspace reads: counters first, head last (release). */
static void monster_ring_mirror(struct monster_ring *r)
{
	WRITE_ONCE(r->hdr->produced, r->produced);
	WRITE_ONCE(r->hdr->dropped, r->dropped);
	/* release: the records are complete before the consumer sees head */
	smp_store_release(&r->hdr->head, r->head);
}

/*
 * monster_shard() of every residue mod 71, filled from it once: the rule
 * stays the uapi's, a producer pays one division instead of up to 16.
 */
static u8 monster_shard_of[MONSTER_HECKE_MOD] __read_mostly;

void monster_shard_init(void)
{
	unsigned int m;

	for (m = 0; m < MONSTER_HECKE_MOD; m++)
		monster_shard_of[m] = monster_shard(m);
}

/* monster_shard(combined), from the table. */
u32 monster_ring_of(u64 combined)
{
	return monster_shard_of[combined % MONSTER_HECKE_MOD];
}

/*
 * The record into its slot as word stores: a struct copy is a string
 * instruction, which emulation runs one byte at a time.
 */
static void monster_record_store(struct monster_sample *slot, const struct monster_sample *s,
				 u64 seq)
{
	const u64 *src = (const u64 *)s;
	u64 *dst = (u64 *)slot;
	unsigned int i;

	BUILD_BUG_ON(sizeof(*s) % sizeof(u64) || offsetof(struct monster_sample, seq));
	WRITE_ONCE(dst[0], seq);
	for (i = 1; i < sizeof(*s) / sizeof(u64); i++)
		WRITE_ONCE(dst[i], src[i]);
}

/*
 * Append @s (its seq is the ring's: the records generated before it) and
 * publish it. A full ring drops it instead: it still takes a sequence
 * number and never overwrites what the consumer has not released. Any
 * context that may take a raw spinlock with interrupts off. False when
 * dropped.
 */
bool monster_ring_write(struct monster_ring *r, const struct monster_sample *s)
{
	unsigned long flags;
	bool room = true;

	/*
	 * In NMI context (a fault in perf's user-stack walk, say) the lock may
	 * be held by what the NMI interrupted, on this CPU: try it, else the
	 * record is lost (an NMI cannot count it under the lock either).
	 */
	if (unlikely(in_nmi())) {
		if (!raw_spin_trylock_irqsave(&r->lock, flags))
			return false;
	} else {
		raw_spin_lock_irqsave(&r->lock, flags);
	}
	if (r->head - READ_ONCE(r->tail) > r->mask) {
		monster_ring_refresh_tail(r);
		room = r->head - READ_ONCE(r->tail) <= r->mask;
	}
	if (room) {
		monster_record_store(&r->data[r->head & r->mask], s, r->produced);
		r->head++;
	} else {
		r->dropped++;
		r->kind_dropped[s->kind]++;
	}
	r->produced++;
	r->kind_produced[s->kind]++;
	monster_ring_mirror(r);
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return room;
}

/* Look at the consumer's tail now; the bad tails seen since the last call. */
u64 monster_ring_take_bad_tails(struct monster_ring *r)
{
	u64 t = READ_ONCE(r->utail->tail);
	unsigned long flags;
	u64 n;

	/* the common case, without the lock: the tail is the one in force, nothing counted */
	if (t == READ_ONCE(r->tail) && !READ_ONCE(r->bad_tails) && !READ_ONCE(r->bad_tail_seen))
		return 0;
	raw_spin_lock_irqsave(&r->lock, flags);
	monster_ring_refresh_tail(r);
	n = r->bad_tails;
	r->bad_tails = 0;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return n;
}

/*
 * Zero the kernel-half addresses and ips of every fault record the rings
 * hold, written or released: an opener that may not see kernel addresses
 * is about to map them. Probes have stopped writing any
 * (monster_events_hide_kaddr()).
 */
void monster_buf_hide_kaddr(struct monster_buf *buf)
{
	unsigned int i, n;

	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring *r = &buf->ring[i];

		for (n = 0; n <= r->mask; n++) {
			struct monster_event *e = (struct monster_event *)&r->data[n];
			unsigned long flags;

			if (READ_ONCE(e->kind) != MONSTER_KIND_FAULT)
				continue;
			/* one record at a time: interrupts stay off for no longer */
			raw_spin_lock_irqsave(&r->lock, flags);
			if (e->kind == MONSTER_KIND_FAULT &&
			    (e->fault.address >= TASK_SIZE_MAX || e->fault.ip >= TASK_SIZE_MAX)) {
				if (e->fault.address >= TASK_SIZE_MAX)
					e->fault.address = 0;
				if (e->fault.ip >= TASK_SIZE_MAX)
					e->fault.ip = 0;
				e->flags |= MONSTER_EF_HIDDEN;
			}
			raw_spin_unlock_irqrestore(&r->lock, flags);
		}
		cond_resched();
	}
}

/* Per kind, produced and dropped as of one moment (they add up to the ring's). */
void monster_ring_kind_counters(struct monster_ring *r, u64 *produced, u64 *dropped)
{
	unsigned long flags;
	unsigned int k;

	raw_spin_lock_irqsave(&r->lock, flags);
	for (k = 0; k < MONSTER_NR_KINDS; k++) {
		produced[k] = r->kind_produced[k];
		dropped[k] = r->kind_dropped[k];
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/* produced, dropped and head as of one moment: produced == head + dropped. */
void monster_ring_counters(struct monster_ring *r, struct monster_ring_stats *rs)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	rs->head = r->head;
	rs->produced = r->produced;
	rs->dropped = r->dropped;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/* True if any ring holds records the consumer has not released. */
bool monster_buf_readable(struct monster_buf *buf)
{
	unsigned int i;

	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct monster_ring *r = &buf->ring[i];
		/* pairs with the release in monster_ring_publish() */
		u64 head = smp_load_acquire(&r->hdr->head);

		if (monster_ring_tail_at(r, head) != head)
			return true;
	}
	return false;
}
