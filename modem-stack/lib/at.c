/*
 * AT command server over a simulated network (see at.h, docs/modem.md).
 *
 * A line is first checked (length, printable ASCII, balanced quotes) and
 * normalised into a local buffer: spaces outside strings dropped, letters
 * outside strings upper-cased. The command sequence after "AT" is then
 * executed left to right; the first failing command ends the line with
 * ERROR (or NO CARRIER for a call that cannot be made).
 */
#include "at.h"

#include <string.h>

#define AT_MAX_ARGS 6
#define AT_NAME_MAX 8

enum result {
	RES_OK,
	RES_ERROR,
	RES_NO_CARRIER,
};

enum mode {
	MODE_ACTION,  /* AT+CMD */
	MODE_READ,    /* AT+CMD? */
	MODE_TEST,    /* AT+CMD=? */
	MODE_SET,     /* AT+CMD=args */
};

enum arg_kind {
	ARG_EMPTY,
	ARG_NUM,
	ARG_STR,
};

struct arg {
	uint8_t kind;       /* enum arg_kind */
	uint32_t num;
	const char *str;    /* inside the normalised line, without quotes */
	size_t len;
};

struct args {
	unsigned n;
	struct arg a[AT_MAX_ARGS];
};

/* The response being built: writes past `cap` set `overflow` instead. */
struct out {
	char *buf;
	size_t cap, len;
	int overflow;
	int in_info;        /* an information text block is open */
};

/* ---- output ---- */

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_s(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u(struct out *o, uint32_t v)
{
	char d[10];
	size_t n = 0;

	do {
		d[sizeof d - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	put(o, d + sizeof d - n, n);
}

/* Information text: "\r\n" before the first line, "\r\n" after each. */
static void line_begin(struct out *o)
{
	if (!o->in_info) {
		put_s(o, "\r\n");
		o->in_info = 1;
	}
}

static void line_end(struct out *o)
{
	put_s(o, "\r\n");
}

static void info(struct out *o, const char *text)
{
	line_begin(o);
	put_s(o, text);
	line_end(o);
}

static void result(struct out *o, const char *code)
{
	put_s(o, "\r\n");
	put_s(o, code);
	put_s(o, "\r\n");
}

/* ---- the simulated network ---- */

/* strlen that stops at max: state a caller damaged cannot run it off. */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static void hang_up(struct at_state *s)
{
	s->call = AT_CALL_IDLE;
	s->rings = 0;
	s->number[0] = '\0';
}

static void set_cfun(struct at_state *s, unsigned fun)
{
	if (fun == 1 && s->cfun != 1) {
		s->reg = 2; /* searching */
		s->reg_at = s->ticks + AT_REG_TICKS;
	} else if (fun != 1) {
		s->reg = 0;
		hang_up(s);
	}
	s->cfun = (uint8_t)fun;
}

void at_init(struct at_state *s, uint32_t seed)
{
	memset(s, 0, sizeof *s);
	s->seed = seed;
	s->cfun = 0;
	set_cfun(s, 1);
}

/* Last character of the number decides what the simulated callee does. */
static char last_digit(const struct at_state *s)
{
	size_t n = bounded_len(s->number, AT_NUMBER_MAX);

	return n > 0 ? s->number[n - 1] : '\0';
}

static int registered(const struct at_state *s)
{
	return s->cfun == 1 && s->reg == 1;
}

/* Signal quality (+CSQ): slow fading (a triangle over 128 ticks) plus noise. */
static void csq_values(const struct at_state *s, unsigned *rssi, unsigned *ber)
{
	uint32_t phase = (s->ticks / 4) % 32;
	uint32_t tri = phase < 16 ? phase : 32 - phase;
	uint32_t noise = mix32(s->seed ^ s->ticks);

	if (!registered(s)) {
		*rssi = 99;
		*ber = 99;
		return;
	}
	*rssi = 8 + tri + noise % 5;              /* 8..28 */
	*ber = s->call == AT_CALL_ACTIVE ? (noise >> 8) % 4 : 99;
}

/* ---- line checks ---- */

static int valid_number(const char *p, size_t n)
{
	size_t i;

	if (n < 1 || n > AT_NUMBER_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || (c == '+' && i == 0)))
			return 0;
	}
	return 1;
}

/*
 * Checks the raw line and writes its normalised form into cmd (room for
 * AT_LINE_MAX bytes): 0 and *n, or -1 for a line that gets ERROR.
 */
static int normalise(const char *line, size_t len, char *cmd, size_t *n)
{
	int quoted = 0;
	size_t i, k = 0;

	for (i = 0; i < len; i++) {
		char c = line[i];

		if (c == '"') {
			quoted = !quoted;
		} else if (!quoted && c == ' ') {
			continue;
		} else if (!quoted && c >= 'a' && c <= 'z') {
			c = (char)(c - 'a' + 'A');
		}
		cmd[k++] = c;
	}
	*n = k;
	return quoted ? -1 : 0;
}

/* Length without one trailing CR, LF or CR LF; -1 if the rest is bad. */
static long checked_len(const char *line, size_t len)
{
	size_t i;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > AT_LINE_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return -1;
	return (long)len;
}

/* ---- argument lists ---- */

static int parse_num(const char **p, const char *e, uint32_t *v)
{
	unsigned digits = 0;

	*v = 0;
	while (*p < e && **p >= '0' && **p <= '9') {
		if (++digits > 9)
			return -1;
		*v = *v * 10 + (uint32_t)(**p - '0');
		(*p)++;
	}
	return digits > 0 ? 0 : -1;
}

/* Parses "arg,arg,..." in [p, e): numbers, "strings" or empty. */
static int parse_args(const char *p, const char *e, struct args *a)
{
	struct arg *x;

	a->n = 0;
	for (;;) {
		if (a->n == AT_MAX_ARGS)
			return -1;
		x = &a->a[a->n++];
		x->kind = ARG_EMPTY;
		if (p < e && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));

			if (q == NULL)
				return -1;
			x->kind = ARG_STR;
			x->str = p + 1;
			x->len = (size_t)(q - p - 1);
			p = q + 1;
		} else if (p < e && *p >= '0' && *p <= '9') {
			x->kind = ARG_NUM;
			if (parse_num(&p, e, &x->num) != 0)
				return -1;
		}
		if (p == e)
			return 0;
		if (*p != ',')
			return -1;
		p++;
	}
}

static int arg_num(const struct args *a, unsigned i, uint32_t lo, uint32_t hi, uint32_t *v)
{
	if (i >= a->n || a->a[i].kind != ARG_NUM || a->a[i].num < lo || a->a[i].num > hi)
		return -1;
	*v = a->a[i].num;
	return 0;
}

static int str_ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != lit[i])
			return 0;
	}
	return 1;
}

/* ---- extended commands ---- */

static const char *const pdp_names[] = { "", "IP", "IPV6", "IPV4V6" };

static int cmd_csq(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	unsigned rssi, ber;

	(void)a;
	if (mode == MODE_TEST) {
		info(o, "+CSQ: (0-31,99),(0-7,99)");
		return RES_OK;
	}
	if (mode != MODE_ACTION)
		return RES_ERROR;
	csq_values(s, &rssi, &ber);
	line_begin(o);
	put_s(o, "+CSQ: ");
	put_u(o, rssi);
	put_s(o, ",");
	put_u(o, ber);
	line_end(o);
	return RES_OK;
}

static int cmd_ident(struct out *o, int mode, const char *text)
{
	if (mode == MODE_TEST)
		return RES_OK;
	if (mode != MODE_ACTION)
		return RES_ERROR;
	info(o, text);
	return RES_OK;
}

static int cmd_cgmi(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	(void)s; (void)a;
	return cmd_ident(o, mode, "Muon");
}

static int cmd_cgmm(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	(void)s; (void)a;
	return cmd_ident(o, mode, "Muon-LTE-SIM");
}

static int cmd_cgmr(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	(void)s; (void)a;
	return cmd_ident(o, mode, "1.0");
}

static int cmd_cfun(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	uint32_t fun, rst = 0;

	if (mode == MODE_TEST) {
		info(o, "+CFUN: (0,1,4),(0,1)");
		return RES_OK;
	}
	if (mode == MODE_READ) {
		line_begin(o);
		put_s(o, "+CFUN: ");
		put_u(o, s->cfun);
		line_end(o);
		return RES_OK;
	}
	if (mode != MODE_SET || a->n > 2 || arg_num(a, 0, 0, 4, &fun) != 0 ||
	    (fun != 0 && fun != 1 && fun != 4))
		return RES_ERROR;
	if (a->n == 2 && arg_num(a, 1, 0, 1, &rst) != 0)
		return RES_ERROR;
	if (rst == 1 && fun != 1)
		return RES_ERROR;
	if (rst == 1)
		set_cfun(s, 0); /* reset: the radio restarts and registers again */
	set_cfun(s, fun);
	return RES_OK;
}

static void creg_line(const struct at_state *s, struct out *o, int with_n)
{
	line_begin(o);
	put_s(o, "+CREG: ");
	if (with_n) {
		put_u(o, s->creg_n);
		put_s(o, ",");
	}
	put_u(o, s->reg);
	if (s->creg_n == 2 && s->reg == 1)
		put_s(o, ",\"00C3\",\"0000A13F\""); /* the simulated cell's LAC and CI */
	line_end(o);
}

static int cmd_creg(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	uint32_t n = 0;

	if (mode == MODE_TEST) {
		info(o, "+CREG: (0-2)");
		return RES_OK;
	}
	if (mode == MODE_READ) {
		creg_line(s, o, 1);
		return RES_OK;
	}
	if (mode != MODE_SET || a->n > 1)
		return RES_ERROR;
	if (a->a[0].kind != ARG_EMPTY && arg_num(a, 0, 0, 2, &n) != 0)
		return RES_ERROR;
	s->creg_n = (uint8_t)n;
	s->reg_shown = s->reg;
	return RES_OK;
}

static int apn_ok(const char *p, size_t n)
{
	size_t i;

	if (n > AT_APN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static int cgdcont_set(struct at_state *s, const struct args *a)
{
	uint32_t cid;
	unsigned type = AT_PDP_IP, t;
	const struct arg *apn;

	if (a->n > 3 || arg_num(a, 0, 1, AT_MAX_CID, &cid) != 0)
		return RES_ERROR;
	if (a->n == 1) {
		s->pdp[cid - 1].type = 0; /* AT+CGDCONT=<cid> undefines it */
		return RES_OK;
	}
	if (a->a[1].kind == ARG_STR) {
		for (t = AT_PDP_IP, type = 0; t <= AT_PDP_IPV4V6; t++)
			if (str_ieq(a->a[1].str, a->a[1].len, pdp_names[t]))
				type = t;
		if (type == 0)
			return RES_ERROR;
	} else if (a->a[1].kind != ARG_EMPTY) {
		return RES_ERROR;
	}
	apn = a->n == 3 ? &a->a[2] : NULL;
	if (apn != NULL && apn->kind == ARG_NUM)
		return RES_ERROR;
	if (apn != NULL && apn->kind == ARG_STR && !apn_ok(apn->str, apn->len))
		return RES_ERROR;
	s->pdp[cid - 1].type = (uint8_t)type;
	s->pdp[cid - 1].apn[0] = '\0';
	if (apn != NULL && apn->kind == ARG_STR) {
		memcpy(s->pdp[cid - 1].apn, apn->str, apn->len);
		s->pdp[cid - 1].apn[apn->len] = '\0';
	}
	return RES_OK;
}

static int cmd_cgdcont(struct at_state *s, struct out *o, int mode, const struct args *a)
{
	unsigned cid, t;

	if (mode == MODE_SET)
		return cgdcont_set(s, a);
	if (mode == MODE_TEST) {
		for (t = AT_PDP_IP; t <= AT_PDP_IPV4V6; t++) {
			line_begin(o);
			put_s(o, "+CGDCONT: (1-");
			put_u(o, AT_MAX_CID);
			put_s(o, "),\"");
			put_s(o, pdp_names[t]);
			put_s(o, "\",,,(0),(0)");
			line_end(o);
		}
		return RES_OK;
	}
	if (mode != MODE_READ)
		return RES_ERROR;
	for (cid = 1; cid <= AT_MAX_CID; cid++) {
		const struct at_pdp *c = &s->pdp[cid - 1];

		if (c->type < AT_PDP_IP || c->type > AT_PDP_IPV4V6)
			continue;
		line_begin(o);
		put_s(o, "+CGDCONT: ");
		put_u(o, cid);
		put_s(o, ",\"");
		put_s(o, pdp_names[c->type]);
		put_s(o, "\",\"");
		put(o, c->apn, bounded_len(c->apn, AT_APN_MAX));
		put_s(o, "\",\"\",0,0");
		line_end(o);
	}
	return RES_OK;
}

static const struct ext_cmd {
	const char *name;
	int (*fn)(struct at_state *, struct out *, int, const struct args *);
} ext_cmds[] = {
	{ "CFUN", cmd_cfun },
	{ "CGDCONT", cmd_cgdcont },
	{ "CGMI", cmd_cgmi },
	{ "CGMM", cmd_cgmm },
	{ "CGMR", cmd_cgmr },
	{ "CREG", cmd_creg },
	{ "CSQ", cmd_csq },
};

/* Where this command ends: the first ';' outside a string, or e. */
static const char *command_end(const char *p, const char *e)
{
	int quoted = 0;

	for (; p < e; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ';' && !quoted)
			return p;
	}
	return e;
}

/* "+NAME[?|=?|=args]" at *p; leaves *p at the ';' or end after it. */
static int extended(struct at_state *s, const char **pp, const char *e, struct out *o)
{
	const char *p = *pp + 1, *name = p, *end = command_end(p, e);
	struct args a;
	size_t n, i;
	int mode = MODE_ACTION;

	while (p < end && *p >= 'A' && *p <= 'Z')
		p++;
	n = (size_t)(p - name);
	a.n = 0;
	if (p < end && *p == '?') {
		mode = MODE_READ;
		p++;
	} else if (end - p >= 2 && p[0] == '=' && p[1] == '?') {
		mode = MODE_TEST;
		p += 2;
	} else if (p < end && *p == '=') {
		mode = MODE_SET;
		if (parse_args(p + 1, end, &a) != 0)
			return RES_ERROR;
		p = end;
	}
	if (p != end || n == 0 || n > AT_NAME_MAX)
		return RES_ERROR;
	*pp = end;
	for (i = 0; i < sizeof ext_cmds / sizeof ext_cmds[0]; i++)
		if (strlen(ext_cmds[i].name) == n && memcmp(ext_cmds[i].name, name, n) == 0)
			return ext_cmds[i].fn(s, o, mode, &a);
	return RES_ERROR;
}

/* ---- basic commands ---- */

/* The optional number after a basic command letter (0 if absent). */
static int basic_arg(const char **p, const char *e, uint32_t *v)
{
	*v = 0;
	if (*p < e && **p >= '0' && **p <= '9')
		return parse_num(p, e, v);
	return 0;
}

static int dial(struct at_state *s, const char *p, const char *e)
{
	int voice = e > p && e[-1] == ';';
	size_t n = (size_t)(e - p) - (voice ? 1 : 0);

	if (!valid_number(p, n))
		return RES_ERROR;
	if (!voice)
		return RES_NO_CARRIER; /* data calls go over the packet path, not ATD */
	if (s->call != AT_CALL_IDLE)
		return RES_ERROR;
	if (!registered(s))
		return RES_NO_CARRIER;
	memcpy(s->number, p, n);
	s->number[n] = '\0';
	s->call = AT_CALL_DIALING;
	s->call_at = s->ticks + 1;
	return RES_OK;
}

static int basic(struct at_state *s, const char **pp, const char *e, struct out *o)
{
	char c = **pp;
	uint32_t v;

	(*pp)++;
	if (c == 'D') {
		/* The dial string is the rest of the line. */
		const char *p = *pp;

		*pp = e;
		return dial(s, p, e);
	}
	if (basic_arg(pp, e, &v) != 0)
		return RES_ERROR;
	switch (c) {
	case 'E':
		if (v > 1)
			return RES_ERROR;
		s->echo = (uint8_t)v;
		return RES_OK;
	case 'I':
		if (v != 0)
			return RES_ERROR;
		info(o, "Muon LTE modem (simulated network)");
		info(o, "Revision: 1.0");
		return RES_OK;
	case 'H':
		if (v != 0)
			return RES_ERROR;
		hang_up(s);
		return RES_OK;
	case 'Z':
		if (v != 0)
			return RES_ERROR;
		s->echo = 0;
		s->creg_n = 0;
		hang_up(s);
		return RES_OK;
	case 'A':
		if (v != 0)
			return RES_ERROR;
		if (s->call != AT_CALL_INCOMING)
			return RES_NO_CARRIER;
		s->call = AT_CALL_ACTIVE;
		s->call_at = s->ticks + 10;
		return RES_OK;
	default:
		return RES_ERROR;
	}
}

static int run(struct at_state *s, const char *p, const char *e, struct out *o)
{
	int r;

	while (p < e) {
		if (*p == ';') {
			p++;
			continue;
		}
		r = *p == '+' ? extended(s, &p, e, o) : basic(s, &p, e, o);
		if (r != RES_OK)
			return r;
	}
	return RES_OK;
}

size_t at_handle(struct at_state *s, const char *line, size_t len, char *out, size_t cap)
{
	struct out o = { out, cap < AT_RESPONSE_MAX ? cap : AT_RESPONSE_MAX, 0, 0, 0 };
	char cmd[AT_LINE_MAX];
	long n = checked_len(line, len);
	size_t k = 0;
	int r = RES_ERROR;

	if (n >= 0 && s->echo) {
		put(&o, line, (size_t)n);
		put_s(&o, "\r");
	}
	if (n >= 0 && normalise(line, (size_t)n, cmd, &k) == 0 && k >= 2 &&
	    cmd[0] == 'A' && cmd[1] == 'T')
		r = run(s, cmd + 2, cmd + k, &o);
	result(&o, r == RES_OK ? "OK" : r == RES_NO_CARRIER ? "NO CARRIER" : "ERROR");
	if (o.overflow) {
		o.len = 0;
		o.overflow = 0;
		result(&o, "ERROR");
		if (o.overflow)
			return 0;
	}
	return o.len;
}

/* ---- unsolicited events ---- */

static void call_event(struct at_state *s, struct out *o)
{
	char last = last_digit(s);

	if (s->ticks < s->call_at)
		return;
	switch (s->call) {
	case AT_CALL_DIALING:
		if (last == '0') {
			hang_up(s);
			result(o, "BUSY");
			return;
		}
		s->call = AT_CALL_ALERTING;
		s->call_at = s->ticks + (last == '9' ? 5 : 2);
		return;
	case AT_CALL_ALERTING:
		if (last == '9') {
			hang_up(s);
			result(o, "NO ANSWER");
			return;
		}
		s->call = AT_CALL_ACTIVE;
		s->call_at = s->ticks + 10;
		result(o, "CONNECT");
		return;
	case AT_CALL_ACTIVE:
		if (last == '8') { /* the far end hangs up after 10 ticks */
			hang_up(s);
			result(o, "NO CARRIER");
		}
		return;
	case AT_CALL_INCOMING:
		if (s->rings >= 5) { /* the caller gives up */
			hang_up(s);
			result(o, "NO CARRIER");
			return;
		}
		s->rings++;
		result(o, "RING");
		return;
	default:
		return;
	}
}

size_t at_tick(struct at_state *s, char *out, size_t cap)
{
	struct out o = { out, cap < AT_URC_MAX ? cap : AT_URC_MAX, 0, 0, 0 };

	s->ticks++;
	if (s->cfun == 1 && s->reg == 2 && s->ticks >= s->reg_at)
		s->reg = 1;
	if (s->reg != s->reg_shown) {
		s->reg_shown = s->reg;
		if (s->creg_n > 0) {
			o.in_info = 0;
			creg_line(s, &o, 0);
		}
	}
	call_event(s, &o);
	if (o.overflow)
		return 0; /* the events happened; a buffer this small loses their text */
	return o.len;
}

int at_incoming(struct at_state *s, const char *number, size_t len)
{
	if (!valid_number(number, len) || !registered(s) || s->call != AT_CALL_IDLE)
		return -1;
	memcpy(s->number, number, len);
	s->number[len] = '\0';
	s->call = AT_CALL_INCOMING;
	s->rings = 0;
	s->call_at = s->ticks + 1;
	return 0;
}
