// Versioned datasets: commit, resolve, log, files, tags and refs, diff, checkout, status, streams, push/pull.

package mlops

/*
#include <mlops/mlops.h>
*/
import "C"

import (
	"io"
	"runtime"
	"unsafe"
)

// DatasetChangeName returns "added", "deleted", "modified", "unchanged" or "unknown".
func DatasetChangeName(c DatasetChange) string {
	return C.GoString(mlops_dataset_change_name(C.int(c)))
}

// CommitOptions of CommitDataset; nil gives the defaults.
type CommitOptions struct {
	Message      string
	MetadataJSON string   // a JSON object, "" for {}
	Parents      []string // version specs; nil: the dataset's latest version
	RunID        string
	Ignore       []string // glob patterns; nil: the defaults
	Threads      int
	Root         bool // no parent
	Always       bool // a new version even when nothing changed
	NoProfile    bool
	NoCache      bool
}

// CommitDataset commits the file or directory at path as a new version of dataset name and returns the version
// id (the parent's when nothing changed and Always is not set: see stats.Created).
func (s *Store) CommitDataset(name, path string, opts *CommitOptions) (string, DatasetCommitStats, error) {
	var id string
	var stats DatasetCommitStats
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_dataset_commit_options
		if err := mlops_dataset_commit_options_init(&co, DatasetCommitOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.message = a.optStr(opts.Message)
			co.metadata_json = a.optStr(opts.MetadataJSON)
			co.parents, co.n_parents = a.strs(opts.Parents)
			co.run_id = a.optStr(opts.RunID)
			co.ignore, co.n_ignore = a.strs(opts.Ignore)
			co.threads = C.int(opts.Threads)
			for _, f := range []struct {
				on   bool
				flag C.uint32_t
			}{{opts.Root, DatasetCommitRoot}, {opts.Always, DatasetCommitAlways},
				{opts.NoProfile, DatasetCommitNoProfile}, {opts.NoCache, DatasetCommitNoCache}} {
				if f.on {
					co.flags |= f.flag
				}
			}
		}
		var out [DatasetVersionIdBufsize]C.char
		cs := C.mlops_dataset_commit_stats{version: DatasetCommitStatsVersion}
		if err := mlops_dataset_commit(&out[0], &cs, c, a.str(name), a.str(path), &co); err != nil {
			return err
		}
		id = C.GoString(&out[0])
		stats = recordFrom_mlops_dataset_commit_stats(&cs)
		return nil
	})
	return id, stats, err
}

// ResolveDataset returns the version id a spec ("name", "name@v3", "name@tag", an id prefix) names.
func (s *Store) ResolveDataset(spec string) (string, error) {
	var id string
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var out [DatasetVersionIdBufsize]C.char
		if err := mlops_dataset_resolve(&out[0], c, a.str(spec)); err != nil {
			return err
		}
		id = C.GoString(&out[0])
		return nil
	})
	return id, err
}

// DatasetVersion returns a version's information.
func (s *Store) DatasetVersion(spec string) (DatasetVersionInfo, error) {
	var v DatasetVersionInfo
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var out *C.mlops_dataset_version_info
		if err := mlops_dataset_version_get(&out, c, a.str(spec)); err != nil {
			return err
		}
		v = recordFrom_mlops_dataset_version_info(out)
		mlops_dataset_version_info_free(out)
		return nil
	})
	return v, err
}

// DatasetLog iterates versions newest first (limit 0: all).
func (s *Store) DatasetLog(spec string, limit int) (*Iter[DatasetVersionInfo], error) {
	var it *C.mlops_dataset_version_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_dataset_log(&it, c, a.str(spec), C.size_t(limit))
	})
	if err != nil {
		return nil, err
	}
	return newIter(func() (DatasetVersionInfo, error) {
		var e *C.mlops_dataset_version_info
		if err := mlops_dataset_log_next(&e, it); err != nil {
			return DatasetVersionInfo{}, err
		}
		return recordFrom_mlops_dataset_version_info(e), nil
	}, func() { mlops_dataset_version_iter_free(it) }), nil
}

// Datasets iterates the datasets of the store in name order.
func (s *Store) Datasets() (*Iter[DatasetInfo], error) {
	var it *C.mlops_dataset_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_list(&it, c) })
	if err != nil {
		return nil, err
	}
	return newIter(func() (DatasetInfo, error) {
		var e *C.mlops_dataset_info
		if err := mlops_dataset_list_next(&e, it); err != nil {
			return DatasetInfo{}, err
		}
		return recordFrom_mlops_dataset_info(e), nil
	}, func() { mlops_dataset_iter_free(it) }), nil
}

// DatasetFiles iterates the files of a version in path order.
func (s *Store) DatasetFiles(spec string) (*Iter[DatasetFile], error) {
	var it *C.mlops_dataset_file_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_files(&it, c, a.str(spec)) })
	if err != nil {
		return nil, err
	}
	return newIter(func() (DatasetFile, error) {
		var e *C.mlops_dataset_file
		if err := mlops_dataset_files_next(&e, it); err != nil {
			return DatasetFile{}, err
		}
		return recordFrom_mlops_dataset_file(e), nil
	}, func() { mlops_dataset_file_iter_free(it) }), nil
}

// DeleteDataset deletes a dataset with all its versions, tags and refs (its objects become garbage for GC).
func (s *Store) DeleteDataset(name string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_delete(c, a.str(name)) })
}

// TagDataset tags the version spec names (tags are fixed).
func (s *Store) TagDataset(spec, tag string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_tag(c, a.str(spec), a.str(tag)) })
}

// UntagDataset deletes a tag of a dataset.
func (s *Store) UntagDataset(dataset, tag string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_dataset_untag(c, a.str(dataset), a.str(tag))
	})
}

// SetDatasetRef points a movable ref at the version spec names.
func (s *Store) SetDatasetRef(spec, ref string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_ref_set(c, a.str(spec), a.str(ref)) })
}

// DeleteDatasetRef deletes a ref of a dataset.
func (s *Store) DeleteDatasetRef(dataset, ref string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_dataset_ref_delete(c, a.str(dataset), a.str(ref))
	})
}

// DatasetRefs iterates the tags and refs of a dataset in name order.
func (s *Store) DatasetRefs(dataset string) (*Iter[DatasetRef], error) {
	var it *C.mlops_dataset_ref_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_dataset_refs(&it, c, a.str(dataset)) })
	if err != nil {
		return nil, err
	}
	return newIter(func() (DatasetRef, error) {
		var e *C.mlops_dataset_ref
		if err := mlops_dataset_refs_next(&e, it); err != nil {
			return DatasetRef{}, err
		}
		return recordFrom_mlops_dataset_ref(e), nil
	}, func() { mlops_dataset_ref_iter_free(it) }), nil
}

// DiffDatasets iterates the paths that differ between two versions, in path order.
func (s *Store) DiffDatasets(oldSpec, newSpec string) (*Iter[DatasetDiffEntry], error) {
	var d *C.mlops_dataset_diff
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_dataset_diff_new(&d, c, a.str(oldSpec), a.str(newSpec))
	})
	if err != nil {
		return nil, err
	}
	return newIter(func() (DatasetDiffEntry, error) {
		var e *C.mlops_dataset_diff_entry
		if err := mlops_dataset_diff_next(&e, d); err != nil {
			return DatasetDiffEntry{}, err
		}
		return recordFrom_mlops_dataset_diff_entry(e), nil
	}, func() { mlops_dataset_diff_free(d) }), nil
}

// CheckoutDataset writes a version into dir; local modifications are ErrConflict unless force.
func (s *Store) CheckoutDataset(spec, dir string, force bool) (DatasetCheckoutStats, error) {
	var st DatasetCheckoutStats
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_dataset_checkout_options
		if err := mlops_dataset_checkout_options_init(&co, DatasetCheckoutOptionsVersion); err != nil {
			return err
		}
		if force {
			co.flags |= DatasetCheckoutForce
		}
		out := C.mlops_dataset_checkout_stats{version: DatasetCheckoutStatsVersion}
		if err := mlops_dataset_checkout(&out, c, a.str(spec), a.str(dir), &co); err != nil {
			return err
		}
		st = recordFrom_mlops_dataset_checkout_stats(&out)
		return nil
	})
	return st, err
}

// StatusOptions of DatasetStatus; nil gives the defaults.
type StatusOptions struct {
	Ignore    []string
	Unchanged bool // also list unchanged files
	NoCache   bool
	NoUpdate  bool
}

// DatasetStatus compares the file or directory at path with a version (spec "" : the directory's head) and
// returns the totals and the changed entries in path order.
func (s *Store) DatasetStatus(path, spec string, opts *StatusOptions) (DatasetStatusCounts, []DatasetStatusEntry, error) {
	var counts DatasetStatusCounts
	var entries []DatasetStatusEntry
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_dataset_status_options
		if err := mlops_dataset_status_options_init(&co, DatasetStatusOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.ignore, co.n_ignore = a.strs(opts.Ignore)
			if opts.Unchanged {
				co.flags |= DatasetStatusUnchanged
			}
			if opts.NoCache {
				co.flags |= DatasetStatusNoCache
			}
			if opts.NoUpdate {
				co.flags |= DatasetStatusNoUpdate
			}
		}
		out := C.mlops_dataset_status_counts{version: DatasetStatusCountsVersion}
		var it *C.mlops_dataset_status_iter
		if err := mlops_dataset_status(&it, &out, c, a.str(path), a.optStr(spec), &co); err != nil {
			return err
		}
		defer mlops_dataset_status_iter_free(it)
		counts = recordFrom_mlops_dataset_status_counts(&out)
		for {
			var e *C.mlops_dataset_status_entry
			err := mlops_dataset_status_next(&e, it)
			if isIterOver(err) {
				return nil
			}
			if err != nil {
				return err
			}
			entries = append(entries, recordFrom_mlops_dataset_status_entry(e))
		}
	})
	return counts, entries, err
}

// DatasetReader reads one file of a version (io.ReadSeekCloser; every chunk verified).
type DatasetReader struct {
	c       *C.mlops_dataset_reader
	cleanup runtime.Cleanup
	streamPos
}

var _ io.ReadSeekCloser = (*DatasetReader)(nil)

// OpenDatasetFile opens the file at path of a version (path "" for a one-file version).
func (s *Store) OpenDatasetFile(spec, path string) (*DatasetReader, error) {
	var rc *C.mlops_dataset_reader
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_dataset_file_open(&rc, c, a.str(spec), a.optStr(path))
	})
	if err != nil {
		return nil, err
	}
	r := &DatasetReader{c: rc, streamPos: streamPos{size: int64(mlops_dataset_file_size(rc))}}
	r.cleanup = runtime.AddCleanup(r, func(c *C.mlops_dataset_reader) { mlops_dataset_reader_free(c) }, rc)
	return r, nil
}

// Size returns the file's size.
func (r *DatasetReader) Size() int64 { return r.size }

// Read implements io.Reader.
func (r *DatasetReader) Read(p []byte) (int, error) {
	if r.c == nil {
		return 0, errClosed("the dataset reader")
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	err := mlops_dataset_file_read(&n, r.c, unsafe.Pointer(&p[0]), C.size_t(len(p)))
	runtime.KeepAlive(r)
	return r.advance(int64(n), err)
}

// Seek implements io.Seeker.
func (r *DatasetReader) Seek(offset int64, whence int) (int64, error) {
	if r.c == nil {
		return 0, errClosed("the dataset reader")
	}
	offset, err := r.target(offset, whence)
	if err != nil {
		return 0, err
	}
	err = mlops_dataset_file_seek(r.c, C.uint64_t(offset))
	runtime.KeepAlive(r)
	return r.moved(offset, err)
}

// Close releases the reader.
func (r *DatasetReader) Close() error {
	if r.c != nil {
		r.cleanup.Stop()
		mlops_dataset_reader_free(r.c)
		r.c = nil
	}
	return nil
}

func transfer(push bool, s, other *Store, spec string) (DatasetTransferStats, error) {
	var st DatasetTransferStats
	oc, err := other.handle()
	if err != nil {
		return st, err
	}
	err = s.byID(func(c *C.mlops_store, a *cAlloc) error {
		out := C.mlops_dataset_transfer_stats{version: DatasetTransferStatsVersion}
		var err error
		if push {
			err = mlops_dataset_push(&out, c, oc, a.str(spec))
		} else {
			err = mlops_dataset_pull(&out, c, oc, a.str(spec))
		}
		if err == nil {
			st = recordFrom_mlops_dataset_transfer_stats(&out)
		}
		return err
	})
	runtime.KeepAlive(other)
	return st, err
}

// PushDataset copies the version spec names from s into dst.
func (s *Store) PushDataset(dst *Store, spec string) (DatasetTransferStats, error) {
	return transfer(true, s, dst, spec)
}

// PullDataset copies the version spec names in src into s.
func (s *Store) PullDataset(src *Store, spec string) (DatasetTransferStats, error) {
	return transfer(false, s, src, spec)
}
