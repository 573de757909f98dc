/* The SABRE Lite's assembly (cache.S). */
#ifndef IMX6_CACHE_H
#define IMX6_CACHE_H

void imx6_dcache_setway(unsigned clean);   /* the L1 D-cache by set/way: 0 invalidates, else cleans and invalidates */
extern char imx6_secondary_entry[];        /* where the SRC starts cores 1-3: L1 invalidated, then secondary_entry */

#endif
