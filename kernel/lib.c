/* Small freestanding helpers: memory, spinlocks, and the console printf. */
#include <stdarg.h>
#include "kernel/kernel.h"
#include "bsp/bsp.h"

/*
 * Word stores where both ends allow: zeroing a page byte by byte took 12,000
 * instructions with interrupts off (docs/benchmarks.md, kernel_irqoff_max).
 * The optimize attribute keeps GCC from turning the loops into calls to
 * memset and memcpy, which are these functions.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL void *kmemset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	uint32_t w = (unsigned char)c * 0x01010101u;
	for (; n && ((uintptr_t)p & 3); n--)
		*p++ = (unsigned char)c;
	for (; n >= 16; n -= 16, p += 16) {
		uint32_t *q = (uint32_t *)(void *)p;
		q[0] = w; q[1] = w; q[2] = w; q[3] = w;
	}
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

NO_LIBCALL void *kmemcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	if (!(((uintptr_t)p | (uintptr_t)q) & 3))
		for (; n >= 16; n -= 16, p += 16, q += 16) {
			uint32_t *dw = (uint32_t *)(void *)p;
			const uint32_t *sw = (const uint32_t *)(const void *)q;
			dw[0] = sw[0]; dw[1] = sw[1]; dw[2] = sw[2]; dw[3] = sw[3];
		}
	while (n--)
		*p++ = *q++;
	return d;
}

/* GCC may emit calls to these for struct copies and zeroing. */
void *memset(void *d, int c, size_t n) { return kmemset(d, c, n); }
void *memcpy(void *d, const void *s, size_t n) { return kmemcpy(d, s, n); }

void spin_lock(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_wfe();
}

void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
	arch_sev();
}

/* The console lock keeps lines from different CPUs apart. */
static spinlock_t console_lock;

void kputs_raw(const char *s, size_t n)
{
	while (n--) {
		if (*s == '\n')
			bsp_uart_putc('\r');
		bsp_uart_putc(*s++);
	}
}

struct out { char buf[160]; size_t n; };

static void out_c(struct out *o, char c)
{
	if (o->n == sizeof(o->buf)) {
		kputs_raw(o->buf, o->n);
		o->n = 0;
	}
	o->buf[o->n++] = c;
}

static void out_num(struct out *o, unsigned long long v, unsigned base, int width, char pad)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width-- > i)
		out_c(o, pad);
	while (i--)
		out_c(o, tmp[i]);
}

/* Enough of printf for a kernel: %s %c %d %u %x %p %%, widths, l and ll. */
static void vformat(struct out *o, const char *f, va_list ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			out_c(o, *f);
			continue;
		}
		char pad = ' ';
		int width = 0, lng = 0;
		if (*++f == '0')
			pad = '0', f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l')
			lng++, f++;
		unsigned long long u;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++, width--)
				out_c(o, *s);
			while (width-- > 0)
				out_c(o, ' ');
			break;
		}
		case 'c': out_c(o, (char)va_arg(ap, int)); break;
		case 'd': {
			long long v = lng > 1 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0)
				out_c(o, '-'), v = -v;
			out_num(o, (unsigned long long)v, 10, width, pad);
			break;
		}
		case 'u': case 'x':
			u = lng > 1 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			out_num(o, u, *f == 'u' ? 10 : 16, width, pad);
			break;
		case 'p':
			out_num(o, (uintptr_t)va_arg(ap, void *), 16, 8, '0');
			break;
		default: out_c(o, *f); break;
		}
	}
}

void kvprintf_nolock(const char *fmt, va_list ap)
{
	struct out o;
	o.n = 0;
	vformat(&o, fmt, ap);
	kputs_raw(o.buf, o.n);
}

void kprintf(const char *fmt, ...)
{
	struct out o;
	va_list ap;
	o.n = 0;
	va_start(ap, fmt);
	spin_lock(&console_lock);
	vformat(&o, fmt, ap);
	kputs_raw(o.buf, o.n);
	spin_unlock(&console_lock);
	va_end(ap);
}

void kwrite(const char *s, size_t n)
{
	spin_lock(&console_lock);
	kputs_raw(s, n);
	spin_unlock(&console_lock);
}

void kvprintf_nolock_args(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf_nolock(fmt, ap);
	va_end(ap);
}
