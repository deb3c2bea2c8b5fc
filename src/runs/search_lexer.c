/*
 * The tokenizer of the run search language (filters and order_by items), and the parse error that quotes the
 * input and points at the offending position.
 *
 * A run of letters, digits and '_' right after a dot that follows an identifier segment is always a word, so
 * that `metrics.accuracy.2.0` keeps its numeric-looking segments instead of reading "2.0" as a number.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/search_int.h"

/* How much of a long input the error message quotes around the position. */
#define QUOTE_BEFORE 60
#define QUOTE_AFTER 60

int mlops_runs__srch_error(const char *what, const char *input, size_t pos, const char *reason)
{
	size_t len = strlen(input);
	if (pos > len)
		pos = len;
	char near[24];
	size_t nn = 0;
	for (size_t i = pos; i < len && nn < 16; i++)
		near[nn++] = input[i] == '\n' || input[i] == '\t' ? ' ' : input[i];
	near[nn] = '\0';
	if (nn == 0)
		snprintf(near, sizeof(near), "<end>");
	/* Quote a window of the input so that the caret line stays readable for long filters. */
	size_t from = pos > QUOTE_BEFORE ? pos - QUOTE_BEFORE : 0;
	size_t to = len - pos > QUOTE_AFTER ? pos + QUOTE_AFTER : len;
	const char *pre = from ? "..." : "";
	const char *post = to < len ? "..." : "";
	char line[QUOTE_BEFORE + QUOTE_AFTER + 8];
	size_t k = 0;
	for (size_t i = from; i < to; i++)
		line[k++] = input[i] == '\n' || input[i] == '\t' ? ' ' : input[i];
	line[k] = '\0';
	size_t caret = strlen(pre) + (pos - from);
	char pad[QUOTE_BEFORE + 8];
	memset(pad, ' ', caret);
	pad[caret] = '\0';
	return mlops__error(MLOPS_EPARSE, "invalid %s at position %zu near '%s': %s\n  %s%s%s\n  %s^", what, pos + 1,
	                    near, reason, pre, line, post, pad);
}

static int is_word_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Whether the previous token is an identifier segment ending right at offset i (so a '.' there joins names). */
static int after_segment(const srch_toks *t, size_t i)
{
	const srch_tok *prev = t->n ? &t->v[t->n - 1] : NULL;
	return prev && prev->end == i &&
	       (prev->type == SRCH_T_WORD || prev->type == SRCH_T_DQ || prev->type == SRCH_T_BQ);
}

static int push(srch_toks *t, size_t *cap, const srch_tok *tok)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		srch_tok *v = mlops__realloc(t->v, ncap * sizeof(*v));
		if (!v)
			return MLOPS_ENOMEM;
		t->v = v;
		*cap = ncap;
	}
	t->v[t->n++] = *tok;
	return 0;
}

/* A quoted token starting at s[i] (the quote character q); a doubled quote stands for one. */
static int lex_quoted(srch_tok *tok, mlops_runs__arena *a, const char *what, const char *s, size_t i, char q)
{
	size_t j = i + 1;
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_puts(&b, "");
	for (;;) {
		if (s[j] == '\0') {
			mlops__buf_free(&b);
			return mlops_runs__srch_error(what, s, i, q == '`' ? "unterminated backtick-quoted name"
			                                                 : "unterminated quoted string");
		}
		if (s[j] == q) {
			if (s[j + 1] == q) {
				if (!rc)
					rc = mlops__buf_putc(&b, q);
				j += 2;
				continue;
			}
			break;
		}
		if (!rc)
			rc = mlops__buf_putc(&b, s[j]);
		j++;
	}
	if (!rc)
		tok->text = mlops_runs__arena_strdup(a, b.data, &rc);
	mlops__buf_free(&b);
	tok->end = j + 1;
	return rc;
}

/* A number at s[i]: [+-] digits [. digits] [e [+-] digits], or [+-] . digits ... */
static int lex_number(srch_tok *tok, mlops_runs__arena *a, const char *what, const char *s, size_t i)
{
	size_t j = i;
	if (s[j] == '+' || s[j] == '-')
		j++;
	size_t digits = 0;
	while (isdigit((unsigned char)s[j])) {
		j++;
		digits++;
	}
	if (s[j] == '.') {
		j++;
		while (isdigit((unsigned char)s[j])) {
			j++;
			digits++;
		}
	}
	if (!digits)
		return mlops_runs__srch_error(what, s, i, "malformed number");
	if (s[j] == 'e' || s[j] == 'E') {
		size_t k = j + 1;
		if (s[k] == '+' || s[k] == '-')
			k++;
		if (!isdigit((unsigned char)s[k]))
			return mlops_runs__srch_error(what, s, i, "malformed exponent in number");
		while (isdigit((unsigned char)s[k]))
			k++;
		j = k;
	}
	if (is_word_char((unsigned char)s[j]) || s[j] == '.')
		return mlops_runs__srch_error(what, s, i, "malformed number");
	int rc = 0;
	char *text = mlops__strndup(s + i, j - i);
	if (!text)
		return MLOPS_ENOMEM;
	errno = 0;
	tok->num = strtod(text, NULL);
	tok->text = mlops_runs__arena_strdup(a, text, &rc);
	free(text);
	if (!rc && errno == ERANGE && isinf(tok->num))
		return mlops_runs__srch_error(what, s, i, "number out of range");
	tok->end = j;
	return rc;
}

int mlops_runs__srch_lex(srch_toks *toks, mlops_runs__arena *arena, const char *what, const char *input)
{
	toks->v = NULL;
	toks->n = 0;
	size_t cap = 0;
	const char *s = input;
	size_t i = 0;
	int rc = 0;
	/* Set when the previous token is a dot glued to an identifier segment. */
	int seg_dot = 0;
	while (!rc) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			i++;
		srch_tok tok;
		memset(&tok, 0, sizeof(tok));
		tok.pos = i;
		tok.end = i + 1;
		unsigned char c = (unsigned char)s[i];
		int was_seg_dot = seg_dot;
		seg_dot = 0;
		if (c == '\0') {
			tok.type = SRCH_T_END;
			tok.end = i;
			rc = push(toks, &cap, &tok);
			break;
		}
		/* Right after a segment's dot ("metrics.1x") a word may also start with a digit. */
		if ((was_seg_dot && i > 0 && s[i - 1] == '.' && is_word_char(c)) || isalpha(c) || c == '_') {
			size_t j = i;
			while (is_word_char((unsigned char)s[j]))
				j++;
			char *w = mlops__strndup(s + i, j - i);
			if (!w) {
				rc = MLOPS_ENOMEM;
				break;
			}
			tok.type = SRCH_T_WORD;
			tok.text = mlops_runs__arena_strdup(arena, w, &rc);
			tok.end = j;
			free(w);
		} else if (isdigit(c) || ((c == '-' || c == '+' || (c == '.' && !after_segment(toks, i))) &&
		                          (isdigit((unsigned char)s[i + 1]) ||
		                           (s[i + 1] == '.' && c != '.' && isdigit((unsigned char)s[i + 2]))))) {
			tok.type = SRCH_T_NUM;
			rc = lex_number(&tok, arena, what, s, i);
		} else if (c == '\'' || c == '"' || c == '`') {
			tok.type = c == '\'' ? SRCH_T_SQ : c == '"' ? SRCH_T_DQ : SRCH_T_BQ;
			rc = lex_quoted(&tok, arena, what, s, i, (char)c);
		} else {
			switch (c) {
			case '.': {
				tok.type = SRCH_T_DOT;
				seg_dot = after_segment(toks, i);
				break;
			}
			case '(': tok.type = SRCH_T_LP; break;
			case ')': tok.type = SRCH_T_RP; break;
			case ',': tok.type = SRCH_T_COMMA; break;
			case '=':
				tok.type = SRCH_T_EQ;
				if (s[i + 1] == '=')
					tok.end = i + 2;
				break;
			case '!':
				if (s[i + 1] != '=') {
					rc = mlops_runs__srch_error(what, s, i, "unexpected character '!' (did you mean '!='?)");
					break;
				}
				tok.type = SRCH_T_NE;
				tok.end = i + 2;
				break;
			case '<':
				if (s[i + 1] == '=') {
					tok.type = SRCH_T_LE;
					tok.end = i + 2;
				} else if (s[i + 1] == '>') {
					tok.type = SRCH_T_NE;
					tok.end = i + 2;
				} else {
					tok.type = SRCH_T_LT;
				}
				break;
			case '>':
				tok.type = s[i + 1] == '=' ? SRCH_T_GE : SRCH_T_GT;
				if (s[i + 1] == '=')
					tok.end = i + 2;
				break;
			default: {
				char reason[64];
				if (c >= 0x20 && c < 0x7f)
					snprintf(reason, sizeof(reason), "unexpected character '%c'", c);
				else
					snprintf(reason, sizeof(reason), "unexpected byte 0x%02x", c);
				rc = mlops_runs__srch_error(what, s, i, reason);
				break;
			}
			}
		}
		if (!rc)
			rc = push(toks, &cap, &tok);
		i = tok.end;
	}
	if (rc) {
		free(toks->v);
		toks->v = NULL;
		toks->n = 0;
	}
	return rc;
}
