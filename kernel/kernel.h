/* Things every kernel file needs: console output, panic, asserts, helpers. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include "config.h"
#include "arch/arm/arch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define MUST_CHECK __attribute__((warn_unused_result))

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kputs_raw(const char *s, size_t n);   /* no lock: panic only */
void kwrite(const char *s, size_t n);
void kvprintf_nolock(const char *fmt, va_list ap);
void kvprintf_nolock_args(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
#define kassert(c) do { if (!(c)) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)
/* An invariant checked only in a MUON_KCHECK build (docs/debugging.md); compiled, never run, otherwise. */
#define kcheck(c) do { if (MUON_KCHECK && !(c)) panic("invariant broken: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)

void *kmemset(void *d, int c, size_t n);
void *kmemcpy(void *d, const void *s, size_t n);

/*
 * Ticket spinlock: fair between CPUs, IRQs are already off in the kernel.
 * Ordering: spin_lock takes a ticket (next) and waits for owner with acquire;
 * spin_unlock stores owner + 1 with release. So what a lock guards is written
 * and read only under it, and each holder sees the previous holder's writes.
 */
typedef struct { volatile uint16_t next, owner; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

#endif
