/*
 * sigma0, the root pager. The kernel gives it every page of user memory
 * (mu_start_arg pages at MU_SIGMA0_POOL_VA, which the kernel maps on first
 * touch). It answers page faults with a fresh zeroed page, MU_SIGMA0_LEFT
 * with the number of pages it has left; any other request gets an empty
 * reply. Pages are handed out once: a task that needs memory back keeps and
 * reuses its own (init: its pool, apps/init/main.c).
 */
#include <string.h>
#include <muon/user.h>

int main(void)
{
	uint32_t pages = mu_start_arg, next = 0, tag, label;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	for (;;) {
		uint32_t *mr = mu_utcb()->mr, reply = MU_TAG(0, 0);
		if (err == MU_OK && MU_TAG_LABEL(tag) == MU_LABEL_PAGEFAULT && next < pages) {
			uint32_t va = MU_SIGMA0_POOL_VA + next++ * 4096u;
			memset((void *)va, 0, 4096);
			mr[0] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_W | MU_PROT_X) << 4) | (12u << 8);
			mr[1] = va;
			reply = MU_TAG_ITEMS(0, 0, 1);
		} else if (err == MU_OK && MU_TAG_LABEL(tag) == MU_SIGMA0_LEFT) {
			mr[0] = pages - next;
			reply = MU_TAG(0, 1);
		}
		err = err == MU_OK ? mu_reply_wait(reply, MU_TIMEOUT_NEVER, &tag, &label)
				   : mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	}
}
