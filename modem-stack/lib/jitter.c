/* The TTI wake-up jitter histogram (jitter.h). */
#include "jitter.h"

#include <string.h>

void jh_reset(struct jitter_hist *h)
{
	memset(h, 0, sizeof *h);
}

void jh_add(struct jitter_hist *h, uint32_t ns)
{
	uint32_t i = ns / JH_BIN_NS;

	h->bin[i < JH_BINS ? i : JH_BINS - 1]++;
	h->n++;
	if (ns > h->max)
		h->max = ns;
}

uint32_t jh_quantile(const struct jitter_hist *h, uint32_t per_mille)
{
	uint64_t rank, seen = 0;
	uint32_t i, edge;

	if (h->n == 0)
		return 0;
	if (per_mille >= 1000)
		return h->max;
	/* The rank of the sample sought, counted from 1: ceil(n * per_mille / 1000), at least 1. */
	rank = ((uint64_t)h->n * per_mille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < JH_BINS; i++) {
		seen += h->bin[i];
		if (seen >= rank)
			break;
	}
	if (i >= JH_BINS - 1)
		return h->max;   /* the last bin holds everything later: only the maximum is known */
	edge = (i + 1) * JH_BIN_NS;
	return edge < h->max ? edge : h->max;
}
