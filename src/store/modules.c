/* The table of modules the store migrates and asks for gc roots, in migration order. */
#include "store/store.h"

extern const mlops__module mlops_store__module;
/* Domain modules declare theirs here, e.g. extern const mlops__module mlops_runs__module; */
extern const mlops__module mlops_runs__module;
extern const mlops__module mlops_datasets__module;

const mlops__module *const mlops__modules[] = {
	&mlops_store__module,
	&mlops_runs__module,
	&mlops_datasets__module,
	NULL,
};
