module libmlops.dev/mlops

go 1.24
