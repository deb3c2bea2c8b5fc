/* libmlops: the umbrella header. Users write #include <mlops/mlops.h>. */
#ifndef MLOPS_MLOPS_H
#define MLOPS_MLOPS_H

#include "common.h"
#include "store.h"
#include "runs.h"
#include "datasets.h"
#include "sys/backend.h"

#endif
