/* Reading V.250 responses (pure C, host-tested): the final result code, substrings, +CSQ. */
#include <string.h>
#include "appos.h"

static bool is_eol(char c) { return c == '\r' || c == '\n'; }

static bool line_is(const char *l, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(l, word, n);
}

static bool line_starts(const char *l, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n >= w && !memcmp(l, word, w);
}

enum at_final at_final(const char *resp, size_t len)
{
	/* The last non-empty line, blanks trimmed. */
	size_t end = len;
	while (end && (is_eol(resp[end - 1]) || resp[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start && !is_eol(resp[start - 1]))
		start--;
	while (start < end && resp[start] == ' ')
		start++;
	const char *l = resp + start;
	size_t n = end - start;
	if (!n)
		return AT_NONE;
	if (line_is(l, n, "OK"))
		return AT_OK;
	if (line_is(l, n, "ERROR") || line_starts(l, n, "+CME ERROR") || line_starts(l, n, "+CMS ERROR"))
		return AT_ERROR;
	if (line_is(l, n, "CONNECT") || line_starts(l, n, "CONNECT "))
		return AT_CONNECT;
	if (line_is(l, n, "NO CARRIER") || line_is(l, n, "BUSY") || line_is(l, n, "NO ANSWER") ||
	    line_is(l, n, "NO DIALTONE"))
		return AT_FAILED;
	return AT_NONE;
}

bool at_has(const char *resp, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return true;
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(resp + i, needle, n))
			return true;
	return false;
}

/* A decimal number of 1..3 digits at *p (bounded by end): its value, or -1. */
static int number(const char **p, const char *end)
{
	int v = 0, digits = 0;
	while (*p < end && **p >= '0' && **p <= '9' && digits < 3) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	return digits && !(*p < end && **p >= '0' && **p <= '9') ? v : -1;
}

/* "KEY a,b" somewhere in the response (spaces after the key allowed): 0 with a and b, or -1. */
static int key_pair(const char *resp, size_t len, const char *key, int *a, int *b)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen <= len; i++) {
		if (memcmp(resp + i, key, klen))
			continue;
		const char *p = resp + i + klen, *end = resp + len;
		while (p < end && *p == ' ')
			p++;
		*a = number(&p, end);
		if (*a < 0 || p >= end || *p != ',')
			return -1;
		p++;
		*b = number(&p, end);
		return *b < 0 ? -1 : 0;
	}
	return -1;
}

int at_csq(const char *resp, size_t len, unsigned *rssi, unsigned *ber)
{
	int r, b;
	if (key_pair(resp, len, "+CSQ:", &r, &b) || !((r <= 31 || r == 99) && (b <= 7 || b == 99)))
		return -1;
	*rssi = (unsigned)r;
	*ber = (unsigned)b;
	return 0;
}

int at_creg(const char *resp, size_t len)
{
	int n, stat;
	return !key_pair(resp, len, "+CREG:", &n, &stat) && stat <= 5 ? stat : -1;
}
