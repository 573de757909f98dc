/*
 * The system tests (MUON_TESTS builds only): once init has built the system
 * of the system file, the driver checks what the file promises: every
 * partition up, the probe isolated and its gate hijacks refused, the dialer's
 * AT commands and data path, the modem's TTIs under load and its control
 * service, and a partition killed, restarted and retried with its memory back.
 */
#include <stdio.h>
#include <string.h>
#include <muon/lb.h>
#include <muon/modem.h>
#include "init.h"
#include "system.h"
#include "driver.h"

/* MODEM_CALL through the modem's control service: its result, the state in *state. */
static int modem_call(uint32_t op, const char *number, uint32_t *state)
{
	memset(&mr()[1], 0, 16);
	if (number)
		memcpy(&mr()[1], number, strlen(number) < 16 ? strlen(number) : 16);
	mr()[0] = op;
	int e = mu_rpc(modem_ctl, MU_TAG(MODEM_CALL, 5));
	*state = mr()[0];
	return e;
}

/* One AT_COMMAND of len bytes claiming `claim`, `words` message words: the reply's label, the text in out. */
static int at_line(const char *line, uint32_t len, uint32_t claim, uint32_t words, char *out, uint32_t cap)
{
	uint32_t rtag;
	mr()[0] = claim;
	memcpy(&mr()[1], line, len);
	int e = mu_ipc(at_gate, MU_TAG(AT_COMMAND, words), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &rtag, 0);
	out[0] = 0;
	if (e)
		return e;
	uint32_t n = mr()[0];
	if (MU_TAG_WORDS(rtag) >= 1 && n < cap && n <= (MU_TAG_WORDS(rtag) - 1) * 4) {
		memcpy(out, &mr()[1], n);
		out[n] = 0;
	}
	return (int)MU_TAG_LABEL(rtag);
}

/* The modem's control protocol as a client sees it, and the AT server's answers to good and malformed lines. */
static const char *modem_control(void)
{
	static char text[260];
	uint32_t state, was;
	if (modem_ctl == NO_SLOT || at_gate == NO_SLOT)
		return "no control or AT service";
	mr()[0] = 0;
	if (mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 1)) != MU_EINVAL || mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 0)) != MU_EINVAL)
		return "MODEM_LOAD took a factor 0, or none";
	mr()[0] = 65;
	if (mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 1)) != MU_EINVAL)
		return "MODEM_LOAD took a factor 65";
	mr()[0] = 8;
	if (mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 1)) != MU_OK)
		return "MODEM_LOAD refused a factor 8";
	was = mr()[0];
	serve_for(50);
	mr()[0] = was;
	if (mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 1)) != MU_OK || mr()[0] != 8)
		return "MODEM_LOAD did not give back the factor before";
	if (modem_call(1, "", &state) != MU_EINVAL || modem_call(1, "12a4", &state) != MU_EINVAL ||
	    modem_call(9, NULL, &state) != MU_EINVAL)
		return "MODEM_CALL took a bad number or operation";
	if (modem_call(1, "5551234", &state) != MU_OK || state != 1 || modem_call(1, "5551234", &state) != MU_EBUSY)
		return "MODEM_CALL did not dial once";
	for (unsigned t = 0; t < 100 && modem_call(3, NULL, &state) == MU_OK && state != 2; t++)
		serve_for(50);
	if (state != 2)
		return "the call never connected";
	if (modem_call(2, NULL, &state) != MU_OK || state != 0)
		return "MODEM_CALL did not hang up";
	if (mu_rpc(modem_ctl, MU_TAG(0x3ff, 0)) != MU_ENOSYS)
		return "the control service answered an unknown operation";
	static const char junk[] = "AT+CGDCONT=1,\"IP\",\"\x01\x7f\"";
	if (at_line("AT", 2, 2, 2, text, sizeof(text)) != MU_OK || !strstr(text, "OK"))
		return "AT did not answer OK";
	if (at_line(junk, sizeof(junk) - 1, sizeof(junk) - 1, 1 + (sizeof(junk) + 2) / 4, text, sizeof(text)) != MU_OK ||
	    !strstr(text, "ERROR"))
		return "a line with control characters was not answered ERROR";
	if (at_line("AT", 2, 129, 34, text, sizeof(text)) != MU_EINVAL || at_line("AT", 2, 8, 2, text, sizeof(text)) != MU_EINVAL ||
	    at_line("", 0, 0, 0, text, sizeof(text)) != MU_EINVAL)
		return "a length out of range or beyond the message was not refused";
	return NULL;
}

/*
 * The probe tried to take over the modem's gates it holds (bind, relabel,
 * wait, reply: "gates R/T refused" in its report); each attempt must have
 * been refused, and the modem's servers must still get what is sent to them.
 */
static unsigned number(const char **s)   /* digits at *s (and past them) */
{
	unsigned n = 0;
	while (**s >= '0' && **s <= '9' && n < 100000)
		n = n * 10 + (unsigned)(*(*s)++ - '0');
	return n;
}

static const char *gate_hijack(const struct prog *p)
{
	static char text[260];
	const char *g = p->reports ? strstr(p->text, "gates ") : NULL;
	unsigned refused = 0, tried = 0;
	if (g) {
		g += 6;
		refused = number(&g);
		tried = *g == '/' ? (g++, number(&g)) : 0;
	}
	if (!tried)
		return p->reports ? "the probe tried no gate (none granted?)" : "the probe did not report";
	if (refused != tried)
		return p->text;
	if (at_gate == NO_SLOT || data_gate == NO_SLOT)
		return "no AT or data service";
	if (at_line("AT", 2, 2, 2, text, sizeof(text)) != MU_OK || !strstr(text, "OK"))
		return "an AT command no longer reaches the AT server";
	if (mu_rpc(data_gate, MU_TAG(MODEM_DATA_KICK, 0)) != MU_OK)
		return "a kick no longer reaches the modem's data thread";
	return NULL;
}

/* A program that has not reported, where its first thread is and what it got (starved,
 * blocked or never placed); the balancer's decisions so far go to the console. */
static void unreported(char *why, size_t size)
{
	lb_call(LB_DUMP, 0);
	for (unsigned k = 0; k < nprogs; k++)
		if (!progs[k].reports) {
			bool known = mu_invoke(thread_of(k), MU_TAG(MU_THREAD_INFO, 0), 0) == MU_OK;
			snprintf(why, size, "%s never reported (its first thread: cpu %d prio %d state %d, %u us run)",
				 progs[k].sp->name, known ? (int)mr()[0] : -1, known ? (int)mr()[3] : -1,
				 known ? (int)mr()[4] : -1, known ? (unsigned)(mr()[1] / 1000) : 0);
			return;
		}
}

/*
 * A restart that fails is tried again: partition i is freed and built while
 * init has lent almost all its free kernel memory to a factory of its own,
 * so building it fails; nothing of it may be left and init's quota must be
 * where it was. Once the memory is back, the retry (1 s later, from
 * supervise() as in the console loop) must bring every program up again.
 */
static const char *restart_retry(unsigned i)
{
	static char why[160];
	free_partition(i);
	uint32_t before = quota_used(MU_CAP_FACTORY);
	mu_invoke(MU_CAP_FACTORY, MU_TAG(MU_FACTORY_INFO, 0), 0);
	uint32_t free_bytes = mr()[0] - mr()[1], need = sys.partitions[i].kmem + 4096u;
	if (free_bytes < need + 8192u || mu_create(MU_OBJ_FACTORY, S_HOG, free_bytes - 8192u - need / 2, 0))
		return "could not lend init's memory away";
	bool built = build_partition(i);
	uint32_t hogged = quota_used(MU_CAP_FACTORY);
	mu_delete_cap(S_HOG);
	uint32_t after = quota_used(MU_CAP_FACTORY);
	if (built)
		return "it was built with too little memory";
	if (!part_want[i] || part_fact[i] || after != before) {
		snprintf(why, sizeof(why), "after the failed try: retry %s, factory %s, quota %u bytes (%u before, %u lent)",
			 part_want[i] ? "due" : "not due", part_fact[i] ? "left" : "gone", (unsigned)after,
			 (unsigned)before, (unsigned)(hogged - before));
		return why;
	}
	for (unsigned t = 0; t < 50 && !part_up[i]; t++) {
		serve_for(100);
		supervise();
	}
	if (!part_up[i] || !wait_reports(i, 30000)) {
		size_t n = (size_t)snprintf(why, sizeof(why), "the retry did not bring it back: ");
		unreported(why + n, sizeof(why) - n);
		return why;
	}
	return NULL;
}

/*
 * The dialer's session, AT commands and packets (docs/apps.md): NULL if
 * all went through. It waits for the session's report (its life's second:
 * the start-up report has status 0 too): mr[1] = AT ok | malformed lines
 * tried << 8 | refused << 16 | good commands << 24, mr[2] = packets intact
 * | packets sent << 16.
 */
static const char *dialer_session(int dialer)
{
	static char why[160];
	struct prog *d = &progs[dialer];
	for (unsigned t = 0; t < 600 && (d->reports < 2 || !(d->v2 >> 16 == 64 || d->status)); t++)
		serve_for(100);
	snprintf(why, sizeof(why), "%s", d->reports ? d->text : "no report");
	unsigned ok = d->v1 & 0xff, tried = (d->v1 >> 8) & 0xff, refused = (d->v1 >> 16) & 0xff, good = d->v1 >> 24;
	return d->reports >= 2 && d->status == 0 && d->v2 >> 16 == 64 && (d->v2 & 0xffff) == 64 && good &&
	       ok == good && tried && refused == tried ? NULL : why;
}

/* The system tests (docs/system-format.md: what they show). */
void system_tests(void)
{
	static char why[160];
	int appos = find_part("appos"), probe = find_prog("probe"), dialer = find_prog("dialer");
	uint32_t v[MODEM_STATS_WORDS];
	bool up = true;
	for (unsigned i = 0; i < sys.n_partitions; i++)
		up = wait_reports(i, 30000) && up;
	why[0] = 0;
	if (!up)
		unreported(why, sizeof(why));
	result("sys_partitions_up", up ? NULL : why);

	if (probe >= 0) {
		struct prog *p = &progs[probe];
		serve_for(200);
		snprintf(why, sizeof(why), "it reaches slots %08x %08x, was given %08x %08x", (unsigned)p->v2,
			 (unsigned)p->v1, (unsigned)p->slots[1], (unsigned)p->slots[0]);
		result("sys_isolation", p->reports && p->status == 0 && p->v1 == p->slots[0] && p->v2 == p->slots[1]
			   ? NULL : why);
		result("sys_gate_hijack_refused", gate_hijack(p));
	}
	if (dialer >= 0)
		result("sys_at_and_data_path", dialer_session(dialer));
	/* The modem under load: the app OS saturates its CPUs meanwhile. */
	if (modem_ctl != NO_SLOT && mu_rpc(modem_ctl, MU_TAG(MODEM_RESET, 0)) == MU_OK) {
		for (unsigned t = 0; t < 300 && (modem_stats(v) || v[0] < 1000); t++)
			serve_for(100);
		/*
		 * What is asserted: the pipeline keeps running its 1 ms TTIs (1,000 of them) while
		 * the app OS saturates CPUs 1-3, and none is late through the guest's fault. Host
		 * stalls are printed, not asserted: under QEMU's TCG without -icount, guest time is
		 * host time, and a 4-CPU guest on a 2-core host loses whole milliseconds whenever
		 * the host does not run CPU 0's thread. The modem counts a late TTI as a stall when
		 * nothing on its CPU stood in its way (docs/modem.md, "Misses and host stalls"):
		 * only a thread at or above its priority there, or its own overrun, is the guest's.
		 * Where time is exact (ci/bench, same_cpu_saturated) even the stalls are 0.
		 */
		bool got = !modem_stats(v);
		snprintf(why, sizeof(why), "%u TTIs, %u misses (the guest's), %u host stalls, jitter max %u us",
			 got ? (unsigned)v[0] : 0, got ? (unsigned)v[1] : 0, got ? (unsigned)v[8] : 0,
			 got ? (unsigned)(v[4] / 1000) : 0);
		result("sys_modem_runs_loaded", got && v[0] >= 1000 && v[1] == 0 ? NULL : why);
		printf("init: modem %u TTIs, %u misses, %u host stalls, jitter p50 %u us p99 %u us max %u us\n",
		       (unsigned)v[0], (unsigned)v[1], (unsigned)v[8], (unsigned)(v[2] / 1000), (unsigned)(v[3] / 1000),
		       (unsigned)(v[4] / 1000));
		result("sys_modem_control", modem_control());
	}
	if (appos >= 0) {
		modem_stats(v);
		uint32_t misses = v[1], pooled = pages_pooled(), pages = pages_charged(OWNER_PART0 + (unsigned)appos);
		kill_partition((unsigned)appos);
		serve_for(100);
		uint32_t left = partition_used((unsigned)appos);
		mu_delete_cap(P_FACTORY + (unsigned)appos);
		part_fact[appos] = false;
		int over = (int)(quota_used(MU_CAP_FACTORY) - root_used_before[appos]);
		modem_stats(v);
		uint32_t ttis_after_kill = v[0];
		snprintf(why, sizeof(why), "%u bytes left in its factory, %d in ours", (unsigned)left, over);
		bool ok = left == 0 && over == 0;
		bool back = start_partition((unsigned)appos) && start_partition_programs((unsigned)appos) &&
			    wait_reports((unsigned)appos, 30000);
		if (ok && !back) {
			size_t n = (size_t)snprintf(why, sizeof(why), "it did not come back: ");
			unreported(why + n, sizeof(why) - n);
		} else if (ok && (pages_pooled() != pooled || pages_charged(OWNER_PART0 + (unsigned)appos) != pages)) {
			/* Its user memory came back and was used again: nothing more from sigma0. */
			snprintf(why, sizeof(why), "user memory: pool %u pages, was %u; it has %u, had %u",
				 (unsigned)pages_pooled(), (unsigned)pooled,
				 (unsigned)pages_charged(OWNER_PART0 + (unsigned)appos), (unsigned)pages);
			ok = false;
		}
		/* The modem ran on meanwhile (its misses are printed, not asserted: see above). */
		bool modem_on = !modem_stats(v) && v[0] > ttis_after_kill;
		if (ok && back && !modem_on)
			snprintf(why, sizeof(why), "the modem stopped (%u TTIs)", (unsigned)v[0]);
		printf("init: across the kill and restart the modem missed %u TTIs\n", (unsigned)(v[1] - misses));
		result("sys_kill_restart_appos", ok && back && modem_on ? NULL : why);
		if (back)
			result("sys_restart_retry", restart_retry((unsigned)appos));
		/* Two lives of the dialer were killed, one of them in its session: what they sent is not ours. */
		if (back && dialer >= 0)
			result("sys_data_path_after_restart", dialer_session(dialer));
	}
}
