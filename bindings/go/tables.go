// Tabular files (CSV, JSON Lines): profiles and validation against expectations, local or inside a version.

package mlops

/*
#include <mlops/mlops.h>
*/
import "C"

import "encoding/json"

// TableOptions describe how to read a tabular file; nil reads by the file name with the defaults.
type TableOptions struct {
	Format        uint32 // DatasetTableAuto, DatasetTableCsv or DatasetTableJsonl
	Delimiter     byte   // CSV; 0 means ','
	Quote         byte   // CSV; 0 means '"'
	NoHeader      bool   // CSV: the first record is data
	MaxFieldBytes uint64 // 0 means 16 MiB
}

// TableProfile is a tabular file's schema and statistics (JSON texts) and its row count.
type TableProfile struct {
	Schema json.RawMessage
	Stats  json.RawMessage
	Rows   uint64
}

// ValidationReport is the outcome of a validation: Success and the JSON report.
type ValidationReport struct {
	Success bool
	Report  json.RawMessage
}

func tableOptions(o *TableOptions) (*C.mlops_dataset_table_options, error) {
	if o == nil {
		return nil, nil
	}
	var co C.mlops_dataset_table_options
	if err := mlops_dataset_table_options_init(&co, DatasetTableOptionsVersion); err != nil {
		return nil, err
	}
	co.format = C.uint32_t(o.Format)
	co.delimiter = C.char(o.Delimiter)
	co.quote = C.char(o.Quote)
	if o.NoHeader {
		co.no_header = 1
	}
	co.max_field_bytes = C.uint64_t(o.MaxFieldBytes)
	return &co, nil
}

func takeJSON(p *C.char) json.RawMessage {
	if p == nil {
		return nil
	}
	return json.RawMessage(goStringFree(p))
}

func profileFrom(schema, stats *C.char, rows C.uint64_t) TableProfile {
	return TableProfile{takeJSON(schema), takeJSON(stats), uint64(rows)}
}

// ProfileFile profiles a local CSV or JSON Lines file (ErrParse with the line for malformed content).
func ProfileFile(path string, opts *TableOptions) (TableProfile, error) {
	co, err := tableOptions(opts)
	if err != nil {
		return TableProfile{}, err
	}
	var a cAlloc
	defer a.free()
	var schema, stats *C.char
	var rows C.uint64_t
	if err := mlops_dataset_profile_file(&schema, &stats, &rows, a.str(path), co); err != nil {
		return TableProfile{}, err
	}
	return profileFrom(schema, stats, rows), nil
}

// ValidateFile validates a local file against expectations and/or a schema (JSON texts; "" for none).
func ValidateFile(path, expectations, schema string, opts *TableOptions) (ValidationReport, error) {
	co, err := tableOptions(opts)
	if err != nil {
		return ValidationReport{}, err
	}
	var a cAlloc
	defer a.free()
	var report *C.char
	var ok C.int
	if err := mlops_dataset_validate_file(&report, &ok, a.str(path), a.optStr(expectations), a.optStr(schema), co); err != nil {
		return ValidationReport{}, err
	}
	return ValidationReport{ok != 0, takeJSON(report)}, nil
}

// CheckExpectations checks expectations and/or a schema without data.
func CheckExpectations(expectations, schema string) error {
	var a cAlloc
	defer a.free()
	return mlops_dataset_expectations_check(a.optStr(expectations), a.optStr(schema))
}

// DatasetProfile returns the profile of a tabular file of a version: the one stored at commit when opts is
// nil, else computed now through a stream.
func (s *Store) DatasetProfile(spec, path string, opts *TableOptions) (TableProfile, error) {
	co, err := tableOptions(opts)
	if err != nil {
		return TableProfile{}, err
	}
	var p TableProfile
	err = s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var schema, stats *C.char
		var rows C.uint64_t
		if err := mlops_dataset_file_profile(&schema, &stats, &rows, c, a.str(spec), a.optStr(path), co); err != nil {
			return err
		}
		p = profileFrom(schema, stats, rows)
		return nil
	})
	return p, err
}

// ValidateDataset validates a tabular file of a version, streamed from the store.
func (s *Store) ValidateDataset(spec, path, expectations, schema string, opts *TableOptions) (ValidationReport, error) {
	co, err := tableOptions(opts)
	if err != nil {
		return ValidationReport{}, err
	}
	var r ValidationReport
	err = s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var report *C.char
		var ok C.int
		if err := mlops_dataset_validate(&report, &ok, c, a.str(spec), a.optStr(path), a.optStr(expectations),
			a.optStr(schema), co); err != nil {
			return err
		}
		r = ValidationReport{ok != 0, takeJSON(report)}
		return nil
	})
	return r, err
}
