/*
 * The lexical layer and the "file:line:col: reason" messages that the two
 * configuration parsers share: the system file (apps/init/sysfile.c,
 * docs/system-format.md) and the policy file (loadbalancer/policy.c,
 * docs/policy-format.md). Pure C with no libc calls, so that it builds for
 * the target, the host tests and the fuzzers alike.
 *
 * A file is read line by line; a line holds at most one statement. A token
 * is a word (letters, digits, '_', '-', '.') or, where no word stands, one
 * character. A place is a line and a column (bytes), both from 1.
 */
#ifndef MUON_CFG_H
#define MUON_CFG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define CFG_SHOWN_MAX 32   /* characters of a token quoted in a message */

/* A piece of the file's text (not NUL-terminated). */
struct cfg_span {
	const char *s;
	size_t n;
};

/* A place in the file: line and column (bytes) from 1; line 0: absent, or no place in the text. */
struct cfg_at {
	unsigned line, col;
};

/* A message being written: cut to size, always NUL-terminated (size 0: no message kept). */
struct cfg_msg {
	char *s;
	size_t size, len;
};

/* The reader's state: the text, the current line and position, and the message of the last error. */
struct cfg_lex {
	const char *text;
	size_t len;
	size_t pos;      /* next byte */
	size_t bol, eol; /* the current line: [bol, eol), without its '\n' */
	unsigned line;
	const char *file;
	struct cfg_msg m;
};

/* ---- characters and names */
bool cfg_is_digit(char c);
bool cfg_is_alpha(char c);
bool cfg_is_blank(char c);
bool cfg_is_word(char c);   /* characters of keys, names, numbers, sizes and PROGRAM.SERVICE */
bool cfg_span_is(struct cfg_span t, const char *s);
bool cfg_str_eq(const char *a, const char *b);
/* A name: letters, digits, '_' and '-', starting with a letter or '_', at most max characters. */
bool cfg_name_ok(const char *name, size_t max);

/* ---- messages */
void cfg_put_c(struct cfg_msg *m, char c);
void cfg_put_s(struct cfg_msg *m, const char *s);
void cfg_put_u(struct cfg_msg *m, unsigned long long v);
/* Text from the file: at most CFG_SHOWN_MAX characters, unprintable ones as \xNN, quoted or not. */
void cfg_put_span(struct cfg_msg *m, struct cfg_span t, bool quoted);
/*
 * A parser's own conversions (%z, %S, ...): writes the argument of `conv`
 * and returns true, or returns false if it knows no such conversion.
 */
typedef bool cfg_conv_fn(struct cfg_msg *m, char conv, va_list *ap);
/*
 * Writes "file:line:col: " (or "file: " when at.line is 0) and the reason:
 * fmt with %s a C string, %u an unsigned, %t a token (struct cfg_span) in
 * quotes, %w one without, and whatever conv adds (NULL: nothing). Returns
 * kind, so that callers can `return cfg_vfail(...)`.
 */
int cfg_vfail(struct cfg_msg *m, const char *file, int kind, struct cfg_at at, cfg_conv_fn *conv,
	      const char *fmt, va_list ap);

/* ---- scanning within the current line */
/* Starts reading text (NULL: empty) as `file`; the message goes to msg (NULL: none kept). */
void cfg_start(struct cfg_lex *l, const char *text, size_t len, const char *file, char *msg, size_t msg_size);
/* To the next line, pos at its start: false past the end of the text. */
bool cfg_next_line(struct cfg_lex *l);
struct cfg_at cfg_here(const struct cfg_lex *l);
void cfg_skip_blank(struct cfg_lex *l);
bool cfg_at_end(const struct cfg_lex *l);   /* the end of the statement: the end of the line or a comment */
bool cfg_at_char(const struct cfg_lex *l, char c);
/* The word at pos, possibly empty; with stop_dash a '-' ends it (ranges). */
struct cfg_span cfg_word(struct cfg_lex *l, bool stop_dash);
/* What stands at pos, without consuming it: a word or one character. */
struct cfg_span cfg_token_at(struct cfg_lex *l);
/* A value word, or the single character that stands in its place. */
struct cfg_span cfg_value_word(struct cfg_lex *l);
/* Puts the current line at the start of `line` (seeking back from the start if need be); line was read. */
void cfg_seek_line(struct cfg_lex *l, unsigned line);
void cfg_seek(struct cfg_lex *l, struct cfg_at at);

#endif
