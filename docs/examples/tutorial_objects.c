/* Tutorial step 2 (docs/tutorial.md): open a store, put an object, pin it, read it back, verify the store. */
#include <mlops/mlops.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
	const mlops_error *e = mlops_error_last();

	fprintf(stderr, "%s: %s [%s]\n", what, e->message, mlops_error_name(e->code));
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tutorial-store";
	const char text[] = "label,weight\ncat,0.7\ndog,0.3\n";
	mlops_verify_stats stats = MLOPS_VERIFY_STATS_INIT;
	char id[MLOPS_OID_BUFSIZE];
	mlops_store *store = NULL;
	void *data = NULL;
	size_t size = 0;
	int rc = 1;

	if (mlops_store_open(&store, path, NULL) < 0) /* creates the store when it does not exist */
		return fail("open");
	if (mlops_object_put(id, store, text, strlen(text)) < 0) {
		fail("put");
	} else if (mlops_object_pin(store, "tutorial/labels", id) < 0) { /* gc keeps pinned objects */
		fail("pin");
	} else if (mlops_object_get(&data, &size, store, id) < 0) { /* verified against the id on every read */
		fail("get");
	} else if (mlops_store_verify(&stats, NULL, store) < 0) {
		fail("verify");
	} else {
		printf("put %s (%zu bytes), read back %s\n", id, strlen(text),
		       size == strlen(text) && memcmp(data, text, size) == 0 ? "identical" : "DIFFERENT");
		printf("verify: %llu objects checked, %llu corrupt, %llu missing\n",
		       (unsigned long long)stats.objects_checked, (unsigned long long)stats.objects_corrupt,
		       (unsigned long long)stats.objects_missing);
		rc = stats.objects_corrupt == 0 && stats.objects_missing == 0 ? 0 : 1;
	}
	mlops_free(data);
	mlops_store_free(store);
	return rc;
}
