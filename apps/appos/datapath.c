/*
 * The dialer's end of the packet data path: the shared region `data-ring`
 * holds the uplink ring (app -> modem) in its first half and the downlink
 * ring (modem -> app) in its second (docs/modem.md).
 *
 * Not wired yet: the ring format is the modem's (modem-stack/ring.h), which
 * has not landed. Until it does the region counts as unusable and the
 * dialer reports the data path as missing.
 */
#include "appos.h"

int dp_attach(void *base, uint32_t size)
{
	(void)base;
	(void)size;
	return -1;
}

int dp_put(const uint8_t *pkt, uint32_t len)
{
	(void)pkt;
	(void)len;
	return -1;
}

int dp_get(uint8_t *buf, uint32_t cap)
{
	(void)buf;
	(void)cap;
	return 0;
}
