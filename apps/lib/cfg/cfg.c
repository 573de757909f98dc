/* The configuration parsers' shared lexical layer and messages: see cfg.h. */
#include "cfg.h"

/* ---- characters and names */

bool cfg_is_digit(char c) { return c >= '0' && c <= '9'; }
bool cfg_is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool cfg_is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool cfg_is_word(char c)
{
	return cfg_is_alpha(c) || cfg_is_digit(c) || c == '_' || c == '-' || c == '.';
}

bool cfg_span_is(struct cfg_span t, const char *s)
{
	size_t i = 0;
	for (; i < t.n; i++)
		if (s[i] != t.s[i]) /* also stops at the end of s */
			return false;
	return s[i] == '\0';
}

bool cfg_str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

bool cfg_name_ok(const char *name, size_t max)
{
	size_t n = 0;
	if (!(cfg_is_alpha(name[0]) || name[0] == '_'))
		return false;
	for (; n <= max && name[n]; n++)
		if (!(cfg_is_word(name[n]) && name[n] != '.'))
			return false;
	return n <= max;
}

/* ---- messages */

void cfg_put_c(struct cfg_msg *m, char c)
{
	if (m->len + 1 < m->size) {
		m->s[m->len++] = c;
		m->s[m->len] = '\0';
	}
}

void cfg_put_s(struct cfg_msg *m, const char *s)
{
	while (*s)
		cfg_put_c(m, *s++);
}

void cfg_put_u(struct cfg_msg *m, unsigned long long v)
{
	char digits[20];
	unsigned n = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		cfg_put_c(m, digits[--n]);
}

void cfg_put_span(struct cfg_msg *m, struct cfg_span t, bool quoted)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = t.n < CFG_SHOWN_MAX ? t.n : CFG_SHOWN_MAX;

	if (quoted)
		cfg_put_c(m, '\'');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.s[i];
		if (c >= 0x20 && c < 0x7f) {
			cfg_put_c(m, (char)c);
		} else {
			cfg_put_s(m, "\\x");
			cfg_put_c(m, hex[c >> 4]);
			cfg_put_c(m, hex[c & 15]);
		}
	}
	if (n < t.n)
		cfg_put_s(m, "...");
	if (quoted)
		cfg_put_c(m, '\'');
}

/* One conversion of the shared set; false if conv is not one of them. */
static bool put_arg(struct cfg_msg *m, char conv, va_list *ap)
{
	switch (conv) {
	case 's': cfg_put_s(m, va_arg(*ap, const char *)); return true;
	case 'u': cfg_put_u(m, va_arg(*ap, unsigned)); return true;
	case 't': cfg_put_span(m, va_arg(*ap, struct cfg_span), true); return true;
	case 'w': cfg_put_span(m, va_arg(*ap, struct cfg_span), false); return true;
	default: return false;
	}
}

int cfg_vfail(struct cfg_msg *m, const char *file, int kind, struct cfg_at at, cfg_conv_fn *conv,
	      const char *fmt, va_list ap)
{
	va_list args;

	va_copy(args, ap);
	m->len = 0;
	if (m->size)
		m->s[0] = '\0';
	cfg_put_s(m, file);
	if (at.line) {
		cfg_put_c(m, ':');
		cfg_put_u(m, at.line);
		cfg_put_c(m, ':');
		cfg_put_u(m, at.col);
	}
	cfg_put_s(m, ": ");
	for (; *fmt; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			cfg_put_c(m, *fmt);
			continue;
		}
		fmt++;
		if (!put_arg(m, *fmt, &args) && !(conv && conv(m, *fmt, &args)))
			cfg_put_c(m, *fmt);
	}
	va_end(args);
	return kind;
}

/* ---- scanning within the current line */

/* pos at the start of the current line, eol at its end. */
static void line_bounds(struct cfg_lex *l)
{
	l->pos = l->bol;
	for (l->eol = l->bol; l->eol < l->len && l->text[l->eol] != '\n'; l->eol++)
		;
}

void cfg_start(struct cfg_lex *l, const char *text, size_t len, const char *file, char *msg, size_t msg_size)
{
	*l = (struct cfg_lex){
		.text = text ? text : "", .len = text ? len : 0, .line = 1, .file = file,
		.m = { msg, msg ? msg_size : 0, 0 },
	};
	if (l->m.size)
		msg[0] = '\0';
	line_bounds(l);
}

bool cfg_next_line(struct cfg_lex *l)
{
	if (l->eol >= l->len)
		return false;
	l->bol = l->eol + 1;
	l->line++;
	line_bounds(l);
	return true;
}

struct cfg_at cfg_here(const struct cfg_lex *l)
{
	return (struct cfg_at){ l->line, (unsigned)(l->pos - l->bol) + 1 };
}

void cfg_skip_blank(struct cfg_lex *l)
{
	while (l->pos < l->eol && cfg_is_blank(l->text[l->pos]))
		l->pos++;
}

bool cfg_at_end(const struct cfg_lex *l)
{
	return l->pos >= l->eol || l->text[l->pos] == '#';
}

bool cfg_at_char(const struct cfg_lex *l, char c)
{
	return l->pos < l->eol && l->text[l->pos] == c;
}

struct cfg_span cfg_word(struct cfg_lex *l, bool stop_dash)
{
	size_t start = l->pos;
	while (l->pos < l->eol && cfg_is_word(l->text[l->pos]) && !(stop_dash && l->text[l->pos] == '-'))
		l->pos++;
	return (struct cfg_span){ l->text + start, l->pos - start };
}

struct cfg_span cfg_token_at(struct cfg_lex *l)
{
	size_t pos = l->pos;
	struct cfg_span t = cfg_word(l, false);
	l->pos = pos;
	if (t.n == 0)
		t = (struct cfg_span){ l->text + pos, l->pos < l->eol ? 1 : 0 };
	return t;
}

struct cfg_span cfg_value_word(struct cfg_lex *l)
{
	struct cfg_span t = cfg_token_at(l);
	l->pos += t.n;
	return t;
}

void cfg_seek_line(struct cfg_lex *l, unsigned line)
{
	if (line < l->line)
		l->line = 1, l->bol = 0;
	for (; l->line < line; l->line++) {
		while (l->bol < l->len && l->text[l->bol] != '\n')
			l->bol++;
		l->bol++; /* line exists: it was read once */
	}
	for (l->eol = l->bol; l->eol < l->len && l->text[l->eol] != '\n'; l->eol++)
		;
}

void cfg_seek(struct cfg_lex *l, struct cfg_at at)
{
	cfg_seek_line(l, at.line);
	l->pos = l->bol + at.col - 1;
}
