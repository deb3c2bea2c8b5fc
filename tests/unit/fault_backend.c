/* A blob backend for tests that wraps another one, counts calls per operation and fails an armed call. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct th_arm {
	unsigned nth;           /* 0: disarmed; counts down to the failing call */
	th_fault_kind kind;
} th_arm;

struct th_fault_backend {
	mlops_backend base;
	mlops_backend *inner;
	unsigned calls[TH_OP_COUNT_];
	th_arm arm[TH_OP_COUNT_];
	int fired;
};

/* Count a call of op; return the fault to inject now (TH_FAULT_NONE when none). */
static th_fault_kind hit(th_fault_backend *f, th_fault_op op)
{
	f->calls[op]++;
	th_arm *a = &f->arm[op];
	if (a->nth == 0)
		return TH_FAULT_NONE;
	if (--a->nth > 0)
		return TH_FAULT_NONE;
	f->fired = 1;
	return a->kind;
}

static int fault_rc(th_fault_kind k)
{
	return k == TH_FAULT_ENOSPC ? MLOPS_ENOSPC : MLOPS_EIO;
}

static int f_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_WRITE);
	if (k == TH_FAULT_SHORT_WRITE) {
		f->inner->write(f->inner, key, data, size / 2);
		if (f->inner->flush)
			f->inner->flush(f->inner);
		return MLOPS_EIO;
	}
	if (k != TH_FAULT_NONE)
		return fault_rc(k);
	return f->inner->write(f->inner, key, data, size);
}

static int f_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_READ);
	if (k != TH_FAULT_NONE) {
		*out = NULL;
		*out_size = 0;
		return fault_rc(k);
	}
	return f->inner->read(f->inner, out, out_size, key);
}

static int f_exists(mlops_backend *b, int *out, const char *key)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_EXISTS);
	if (k != TH_FAULT_NONE) {
		*out = 0;
		return fault_rc(k);
	}
	return f->inner->exists(f->inner, out, key);
}

static int f_remove(mlops_backend *b, const char *key)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_REMOVE);
	if (k != TH_FAULT_NONE)
		return fault_rc(k);
	if (!f->inner->remove)
		return MLOPS_EINVAL;
	return f->inner->remove(f->inner, key);
}

static int f_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_LIST);
	if (k != TH_FAULT_NONE)
		return fault_rc(k);
	if (!f->inner->list)
		return MLOPS_EINVAL;
	return f->inner->list(f->inner, cb, payload);
}

static int f_flush(mlops_backend *b)
{
	th_fault_backend *f = (th_fault_backend *)b;
	th_fault_kind k = hit(f, TH_OP_FLUSH);
	if (k != TH_FAULT_NONE)
		return fault_rc(k);
	return f->inner->flush ? f->inner->flush(f->inner) : 0;
}

static int f_touch(mlops_backend *b, const char *key)
{
	th_fault_backend *f = (th_fault_backend *)b;
	return f->inner->touch ? f->inner->touch(f->inner, key) : 0;
}

static void f_free(mlops_backend *b)
{
	th_fault_backend *f = (th_fault_backend *)b;
	mlops_backend_free(f->inner);
	free(f);
}

th_fault_backend *th_fault_new(mlops_backend *inner)
{
	th_fault_backend *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->inner = inner;
	f->base.version = MLOPS_BACKEND_VERSION;
	f->base.write = f_write;
	f->base.read = f_read;
	f->base.exists = f_exists;
	f->base.remove = f_remove;
	f->base.list = f_list;
	f->base.flush = f_flush;
	f->base.touch = f_touch;
	f->base.free = f_free;
	return f;
}

mlops_backend *th_fault_base(th_fault_backend *f)
{
	return &f->base;
}

void th_fault_arm(th_fault_backend *f, th_fault_op op, unsigned nth, th_fault_kind kind)
{
	assert_true(op >= 0 && op < TH_OP_COUNT_);
	f->arm[op].nth = kind == TH_FAULT_NONE ? 0 : nth;
	f->arm[op].kind = kind;
	f->fired = 0;
}

unsigned th_fault_calls(th_fault_backend *f, th_fault_op op)
{
	return f->calls[op];
}

int th_fault_fired(th_fault_backend *f)
{
	return f->fired;
}
