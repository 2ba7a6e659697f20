/* SPDX-License-Identifier: ISC */
/*
 * tok: line reader and in-place word splitter for the config parser.
 * Quoted strings have no escapes: a '"' always ends one, as in ntpd.
 */
#include "conf/tok.h"

#include <string.h>

void
tok_reader_file(struct tok_reader *r, FILE *fp)
{
	r->fp = fp;
	r->text = NULL;
	r->len = 0;
	r->pos = 0;
	r->lineno = 0;
}

void
tok_reader_text(struct tok_reader *r, const char *text, size_t len)
{
	r->fp = NULL;
	r->text = text;
	r->len = len;
	r->pos = 0;
	r->lineno = 0;
}

static int
reader_getc(struct tok_reader *r)
{
	if (r->fp != NULL)
		return getc(r->fp);
	if (r->pos >= r->len)
		return EOF;
	return (unsigned char)r->text[r->pos++];
}

static int
reader_failed(const struct tok_reader *r)
{
	return r->fp != NULL && ferror(r->fp);
}

int
tok_read_line(struct tok_reader *r, struct tok_line *l)
{
	size_t n = 0;
	int ch;

	l->too_long = 0;
	l->nul_col = 0;
	l->n = 0;
	ch = reader_getc(r);
	if (ch == EOF)
		return reader_failed(r) ? -1 : 0;
	while (ch != EOF && ch != '\n') {
		if (n < TOK_LINE_MAX) {
			if (ch == '\0' && l->nul_col == 0)
				l->nul_col = (int)n + 1;
			l->buf[n++] = (char)ch;
		} else
			l->too_long = 1;
		ch = reader_getc(r);
	}
	if (ch == EOF && reader_failed(r))
		return -1;
	l->buf[n] = '\0';
	l->len = n;
	l->lineno = ++r->lineno;
	return 1;
}

static int
is_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
	    ch == '\v';
}

static void
add_word(struct tok_line *l, size_t start, size_t col0, int quoted)
{
	struct tok *t = &l->words[l->n++];

	t->s = &l->buf[start];
	t->col = (int)col0 + 1;
	t->quoted = quoted;
}

/* An unquoted word from *pos; a '#' ends it and starts a comment. */
static enum tok_err
split_word(struct tok_line *l, size_t *pos, int *col)
{
	size_t i = *pos;

	while (i < l->len && !is_sep(l->buf[i]) && l->buf[i] != '#') {
		if (l->buf[i] == '"') {
			*col = (int)i + 1;
			return TOK_ERR_STRAY_QUOTE;
		}
		i++;
	}
	add_word(l, *pos, *pos, 0);
	if (i < l->len && l->buf[i] == '#')
		l->len = i; /* the comment is all that is left */
	l->buf[i] = '\0';
	*pos = i + 1;
	return TOK_OK;
}

/* A double-quoted string starting at the quote at *pos. */
static enum tok_err
split_quoted(struct tok_line *l, size_t *pos, int *col)
{
	size_t open = *pos, i = *pos + 1;

	while (i < l->len && l->buf[i] != '"')
		i++;
	if (i >= l->len) {
		*col = (int)open + 1;
		return TOK_ERR_UNTERMINATED;
	}
	if (i + 1 < l->len && !is_sep(l->buf[i + 1]) && l->buf[i + 1] != '#') {
		*col = (int)i + 2;
		return TOK_ERR_AFTER_QUOTE;
	}
	add_word(l, open + 1, open, 1);
	l->buf[i] = '\0';
	*pos = i + 1;
	return TOK_OK;
}

enum tok_err
tok_split(struct tok_line *l, int *col)
{
	enum tok_err e;
	size_t i = 0;

	l->n = 0;
	while (i < l->len) {
		if (is_sep(l->buf[i])) {
			i++;
			continue;
		}
		if (l->buf[i] == '#')
			break;
		if (l->n == TOK_MAX_WORDS) {
			*col = (int)i + 1;
			return TOK_ERR_TOO_MANY;
		}
		if (l->buf[i] == '"')
			e = split_quoted(l, &i, col);
		else
			e = split_word(l, &i, col);
		if (e != TOK_OK)
			return e;
	}
	return TOK_OK;
}

const char *
tok_err_text(enum tok_err e)
{
	switch (e) {
	case TOK_OK:
		return "no error";
	case TOK_ERR_UNTERMINATED:
		return "unterminated quoted string";
	case TOK_ERR_AFTER_QUOTE:
		return "closing quote must be followed by a space";
	case TOK_ERR_STRAY_QUOTE:
		return "quote inside a word";
	case TOK_ERR_TOO_MANY:
		return "too many words on one line";
	}
	return "unknown error";
}

int
tok_end_col(const struct tok *t)
{
	return t->col + (int)strlen(t->s) + (t->quoted ? 2 : 0);
}
