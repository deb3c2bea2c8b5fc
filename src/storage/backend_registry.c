/*
 * The blob backend registry: built-in factories ("fs", "memory", "sqlite") and the ones users register, in a
 * global table under a mutex (the only global mutable state of the library besides the thread-local error).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mlops/sys/backend.h"
#include "storage/backends.h"
#include "util/util.h"

#define NAME_MAX_LEN 64

typedef struct reg_entry {
	char *name;
	mlops_backend_factory factory;
	void *payload;
} reg_entry;

static const struct {
	const char *name;
	mlops_backend_factory factory;
} builtins[] = {
	{"fs", mlops__backend_fs_new},
	{"memory", mlops__backend_memory_new},
	{"sqlite", mlops__backend_sqlite_new},
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static reg_entry *reg;
static size_t reg_count, reg_cap;

static mlops_backend_factory builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].factory;
	return NULL;
}

static int check_name(const char *name)
{
	if (mlops__str_empty(name))
		return mlops__error(MLOPS_EINVAL, "backend name is empty");
	size_t n = strnlen(name, NAME_MAX_LEN + 1);
	if (n > NAME_MAX_LEN)
		return mlops__error(MLOPS_EINVAL, "backend name '%.64s...' is longer than %d characters", name,
		                    NAME_MAX_LEN);
	return 0;
}

static size_t find(const char *name)
{
	for (size_t i = 0; i < reg_count; i++)
		if (strcmp(reg[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

int mlops_backend_register(const char *name, mlops_backend_factory factory, void *payload)
{
	int rc = check_name(name);
	if (rc)
		return rc;
	if (!factory)
		return mlops__error(MLOPS_EINVAL, "backend '%s': factory is NULL", name);
	if (builtin(name))
		return mlops__error(MLOPS_EEXISTS, "backend '%s' is built in and cannot be replaced", name);
	pthread_mutex_lock(&reg_lock);
	size_t i = find(name);
	if (i != SIZE_MAX) {
		reg[i].factory = factory;
		reg[i].payload = payload;
		goto out;
	}
	if (reg_count == reg_cap) {
		size_t ncap = reg_cap ? reg_cap * 2 : 8;
		reg_entry *n = mlops__realloc(reg, ncap * sizeof(*n));
		if (!n) {
			rc = MLOPS_ENOMEM;
			goto out;
		}
		reg = n;
		reg_cap = ncap;
	}
	char *copy = mlops__strdup(name);
	if (!copy) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	reg[reg_count++] = (reg_entry){copy, factory, payload};
out:
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

int mlops_backend_unregister(const char *name)
{
	int rc = check_name(name);
	if (rc)
		return rc;
	if (builtin(name))
		return mlops__error(MLOPS_EINVAL, "backend '%s' is built in and cannot be unregistered", name);
	pthread_mutex_lock(&reg_lock);
	size_t i = find(name);
	if (i == SIZE_MAX) {
		rc = mlops__error(MLOPS_ENOTFOUND, "backend '%s' is not registered", name);
	} else {
		free(reg[i].name);
		reg[i] = reg[--reg_count];
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

int mlops_backend_new(mlops_backend **out, const char *name, const char *location, int sync)
{
	if (!out)
		return mlops__error(MLOPS_EINVAL, "mlops_backend_new: out is NULL");
	*out = NULL;
	int rc = check_name(name);
	if (rc)
		return rc;
	mlops_backend_factory factory = builtin(name);
	void *payload = NULL;
	if (!factory) {
		pthread_mutex_lock(&reg_lock);
		size_t i = find(name);
		if (i != SIZE_MAX) {
			factory = reg[i].factory;
			payload = reg[i].payload;
		}
		pthread_mutex_unlock(&reg_lock);
	}
	if (!factory)
		return mlops__error(MLOPS_ENOTFOUND, "no blob backend named '%s' (built in: fs, memory, sqlite)", name);
	mlops__error_reset();
	mlops_backend *b = NULL;
	rc = factory(&b, location, sync, payload);
	if (rc) {
		if (b && b->free)
			b->free(b);
		if (mlops_error_last()->code != rc)
			mlops__error(rc, "backend '%s' failed to open '%s' (%s)", name, location ? location : "(none)",
			             mlops_error_name(rc));
		return rc;
	}
	if (!b || !b->free || !b->write || !b->read || !b->exists) {
		if (b && b->free)
			b->free(b);
		return mlops__error(MLOPS_EINVAL, "backend '%s' returned an instance without write/read/exists/free", name);
	}
	if (b->version < 1 || b->version > MLOPS_BACKEND_VERSION) {
		unsigned v = b->version;
		b->free(b);
		return mlops__error(MLOPS_EVERSION, "backend '%s' has version %u; this library knows 1..%d", name, v,
		                    MLOPS_BACKEND_VERSION);
	}
	*out = b;
	return 0;
}

void mlops_backend_free(mlops_backend *backend)
{
	if (backend && backend->free)
		backend->free(backend);
}
