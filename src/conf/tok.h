/* SPDX-License-Identifier: ISC */
/*
 * tok: the line reader and word splitter under conf.  It reads one line at
 * a time from a FILE or a memory buffer into a fixed buffer (no heap) and
 * splits it in place into whitespace-separated words, honouring '#'
 * comments and double-quoted strings, with the 1-based column of every
 * word.  It knows nothing of directives; the words point into the line
 * buffer and live as long as the struct tok_line does.
 */
#ifndef STRATUM_TOK_H
#define STRATUM_TOK_H

#include <stddef.h>
#include <stdio.h>

#define TOK_LINE_MAX 1024 /* characters per line, newline excluded */
/* A word takes at least one character and one separator. */
#define TOK_MAX_WORDS (TOK_LINE_MAX / 2 + 1)

struct tok {
	const char *s; /* NUL-terminated, quotes removed */
	int col;       /* 1-based column of the first character or quote */
	int quoted;    /* written in double quotes */
};

struct tok_line {
	char buf[TOK_LINE_MAX + 1];
	size_t len;
	int lineno;   /* 1-based */
	int too_long; /* more than TOK_LINE_MAX characters; buf holds the start */
	int nul_col; /* column of the first NUL byte, 0 if none */
	struct tok words[TOK_MAX_WORDS];
	size_t n;
};

struct tok_reader {
	FILE *fp; /* NULL when reading a memory buffer */
	const char *text;
	size_t len;
	size_t pos;
	int lineno;
};

enum tok_err {
	TOK_OK,
	TOK_ERR_UNTERMINATED, /* '"' without a closing '"' */
	TOK_ERR_AFTER_QUOTE,  /* closing '"' not followed by a separator */
	TOK_ERR_STRAY_QUOTE,  /* '"' inside an unquoted word */
	TOK_ERR_TOO_MANY,     /* more than TOK_MAX_WORDS words */
};

/* Read lines from fp, which the caller opened and will close. */
void tok_reader_file(struct tok_reader *r, FILE *fp);
/* Read lines from text[0..len); the text may contain NUL bytes. */
void tok_reader_text(struct tok_reader *r, const char *text, size_t len);

/*
 * Read the next line (without its newline) into l->buf, setting lineno,
 * too_long and nul_col; l->n is reset to 0.  Returns 1 when a line was
 * read, 0 at the end of input, -1 on a read error (errno tells why).
 */
int tok_read_line(struct tok_reader *r, struct tok_line *l);

/*
 * Split l->buf in place into l->words / l->n.  On an error returns its code
 * and stores the 1-based column it refers to in *col.
 */
enum tok_err tok_split(struct tok_line *l, int *col);

/* Lower-case description of an error code, for a diagnostic. */
const char *tok_err_text(enum tok_err e);

/* Column just past the end of word t (counting its quotes). */
int tok_end_col(const struct tok *t);

#endif
