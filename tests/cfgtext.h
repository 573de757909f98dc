/*
 * What the configuration parsers' host tests (test_policy.c, test_sysfile.c)
 * share: a file of the source tree read whole, and the random edits of the
 * mutation tests. Header-only, as check.h.
 */
#ifndef MUON_CFGTEXT_H
#define MUON_CFGTEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *s;
	size_t n;
};

/* root/rel in a buffer of exactly its size; s is NULL if it cannot be read. */
static inline struct text text_load(const char *root, const char *rel)
{
	struct text t = { NULL, 0 };
	char path[1024];
	FILE *f;
	long size;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "rb");
	if (!f)
		return t;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		t.s = malloc(size ? (size_t)size : 1);
		if (t.s && fread(t.s, 1, (size_t)size, f) == (size_t)size) {
			t.n = (size_t)size;
		} else {
			free(t.s);
			t.s = NULL;
		}
	}
	fclose(f);
	return t;
}

static inline const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static inline uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * One random edit of buf[0..*n) (capacity cap): replace, insert, delete or copy
 * a slice. A new byte is random or one of the `interesting` ones (its length
 * without the final NUL), the bytes that matter in the parser's language.
 */
static inline void text_mutate(char *buf, size_t *n, size_t cap, uint32_t *seed, const char *interesting, size_t count)
{
	uint32_t r = xorshift(seed);
	size_t at = *n ? xorshift(seed) % *n : 0;
	char c = (r & 0x100) ? (char)xorshift(seed) : interesting[xorshift(seed) % count];

	switch (r % 4) {
	case 0:
		if (*n)
			buf[at] = c;
		break;
	case 1:
		if (*n < cap) {
			memmove(buf + at + 1, buf + at, *n - at);
			buf[at] = c;
			++*n;
		}
		break;
	case 2:
		if (*n) {
			memmove(buf + at, buf + at + 1, *n - at - 1);
			--*n;
		}
		break;
	default: { /* a copy of up to 64 bytes from elsewhere in the text: a line moves or repeats */
		char slice[64];
		size_t from = *n ? xorshift(seed) % *n : 0, len = xorshift(seed) % sizeof slice;
		if (len > *n - from)
			len = *n - from;
		if (len > cap - *n)
			len = cap - *n;
		memcpy(slice, buf + from, len);
		memmove(buf + at + len, buf + at, *n - at);
		memcpy(buf + at, slice, len);
		*n += len;
		break;
	}
	}
}

#endif
