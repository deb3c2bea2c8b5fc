// Lineage edges and the audit log, read through iterators (Next/Err/Close, or All as an iter.Seq2).

package mlops

/*
#include <mlops/mlops.h>
*/
import "C"

import (
	"iter"
	"runtime"
)

// AddLineage records that (fromKind, fromID) relates to (toKind, toID); adding it again is a no-op.
func (s *Store) AddLineage(fromKind, fromID, toKind, toID, relation string) error {
	c, err := s.handle()
	if err != nil {
		return err
	}
	a, b, d, e, f := cstr(fromKind), cstr(fromID), cstr(toKind), cstr(toID), cstr(relation)
	defer free(a)
	defer free(b)
	defer free(d)
	defer free(e)
	defer free(f)
	err = mlops_lineage_add(c, a, b, d, e, f)
	runtime.KeepAlive(s)
	return err
}

// LineageIter walks lineage edges:
//
//	it, err := store.Lineage(mlops.KindRun, id, mlops.LineageDownstream, 0)
//	for it.Next() { use(it.Edge()) }
//	err = it.Err(); it.Close()
type LineageIter struct {
	c       *C.mlops_lineage_iter
	cleanup runtime.Cleanup
	cur     LineageEdge
	err     error
}

// Lineage walks edges from (kind, id) breadth first, up to maxDepth hops (0 = unlimited).
func (s *Store) Lineage(kind, id string, dir LineageDirection, maxDepth int) (*LineageIter, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	ck, cid := cstr(kind), cstr(id)
	defer free(ck)
	defer free(cid)
	var ic *C.mlops_lineage_iter
	err = mlops_lineage_walk(&ic, c, ck, cid, C.int(dir), C.int(maxDepth))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	it := &LineageIter{c: ic}
	it.cleanup = runtime.AddCleanup(it, func(c *C.mlops_lineage_iter) { mlops_lineage_iter_free(c) }, ic)
	return it, nil
}

// Next advances to the next edge; false at the end or on an error (see Err).
func (it *LineageIter) Next() bool {
	if it.c == nil {
		return false
	}
	var e C.mlops_lineage_edge
	err := mlops_lineage_next(&e, it.c)
	runtime.KeepAlive(it)
	if err != nil {
		if !isIterOver(err) {
			it.err = err
		}
		it.Close()
		return false
	}
	it.cur = recordFrom_mlops_lineage_edge(&e)
	return true
}

// Edge returns the current edge.
func (it *LineageIter) Edge() LineageEdge { return it.cur }

// Err returns the error that ended the iteration, if any.
func (it *LineageIter) Err() error { return it.err }

// Close releases the iterator (done automatically at the end).
func (it *LineageIter) Close() error {
	if it.c != nil {
		it.cleanup.Stop()
		mlops_lineage_iter_free(it.c)
		it.c = nil
	}
	return nil
}

// All yields every remaining edge, then a final error if the walk failed; it closes the iterator.
func (it *LineageIter) All() iter.Seq2[LineageEdge, error] {
	return func(yield func(LineageEdge, error) bool) {
		defer it.Close()
		for it.Next() {
			if !yield(it.cur, nil) {
				return
			}
		}
		if it.err != nil {
			yield(LineageEdge{}, it.err)
		}
	}
}

// AuditIter iterates audit rows (Next/Entry/Err/Close, or All).
type AuditIter struct {
	c       *C.mlops_audit_iter
	cleanup runtime.Cleanup
	cur     AuditEntry
	err     error
}

// Audit iterates audit rows with time >= sinceMs (milliseconds since the epoch), oldest first.
func (s *Store) Audit(sinceMs int64) (*AuditIter, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	var ic *C.mlops_audit_iter
	err = mlops_audit_iter_new(&ic, c, C.int64_t(sinceMs))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	it := &AuditIter{c: ic}
	it.cleanup = runtime.AddCleanup(it, func(c *C.mlops_audit_iter) { mlops_audit_iter_free(c) }, ic)
	return it, nil
}

// Next advances to the next row; false at the end or on an error (see Err).
func (it *AuditIter) Next() bool {
	if it.c == nil {
		return false
	}
	var e C.mlops_audit_entry
	err := mlops_audit_next(&e, it.c)
	runtime.KeepAlive(it)
	if err != nil {
		if !isIterOver(err) {
			it.err = err
		}
		it.Close()
		return false
	}
	it.cur = recordFrom_mlops_audit_entry(&e)
	return true
}

// Entry returns the current row.
func (it *AuditIter) Entry() AuditEntry { return it.cur }

// Err returns the error that ended the iteration, if any.
func (it *AuditIter) Err() error { return it.err }

// Close releases the iterator (done automatically at the end).
func (it *AuditIter) Close() error {
	if it.c != nil {
		it.cleanup.Stop()
		mlops_audit_iter_free(it.c)
		it.c = nil
	}
	return nil
}

// All yields every remaining row, then a final error if the iteration failed; it closes the iterator.
func (it *AuditIter) All() iter.Seq2[AuditEntry, error] {
	return func(yield func(AuditEntry, error) bool) {
		defer it.Close()
		for it.Next() {
			if !yield(it.cur, nil) {
				return
			}
		}
		if it.err != nil {
			yield(AuditEntry{}, it.err)
		}
	}
}
