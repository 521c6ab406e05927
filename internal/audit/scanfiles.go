package audit

import (
	"errors"
	"io"
)

// Sources names the four files of an offline scan. Only AccessLog is
// required; without a roster or encounters the rules that need them
// cannot fire and fewer accesses are explained.
type Sources struct {
	AccessLog  string // access.csv: time,user_id,patient_id,action,workstation,ip
	Staff      string // staff.csv
	Patients   string // patients.csv
	Encounters string // encounters.csv
}

// LoadDirectory reads the rosters and encounters into a Directory.
func LoadDirectory(src Sources, opts Options) (*Directory, []RowError, error) {
	opts = opts.withDefaults()
	d := NewDirectory()
	var errs []RowError
	if src.Staff != "" {
		staff, es, err := ReadStaff(src.Staff)
		if err != nil {
			return nil, nil, err
		}
		errs = append(errs, es...)
		for _, s := range staff {
			d.AddStaff(s)
		}
	}
	if src.Patients != "" {
		pats, es, err := ReadPatients(src.Patients)
		if err != nil {
			return nil, nil, err
		}
		errs = append(errs, es...)
		for _, p := range pats {
			d.AddPatient(p)
		}
	}
	if src.Encounters != "" {
		es, err := eachEncounter(src.Encounters, opts.Location, d.addRawEncounter)
		if err != nil {
			return nil, nil, err
		}
		errs = append(errs, es...)
	}
	d.index()
	return d, errs, nil
}

// ScanFiles scans an access log against rosters and encounters: it reads
// the log twice, learning the baselines from it and then judging every
// access against them, holding neither pass's events. Bad rows of any
// file are in Result.RowErrors.
func ScanFiles(src Sources, opts Options) (*Result, *Baselines, error) {
	opts = opts.withDefaults()
	dir, errs, err := LoadDirectory(src, opts)
	if err != nil {
		return nil, nil, err
	}
	l := NewLearner(dir, opts)
	logErrs, err := eachAccess(src.AccessLog, opts, dir, 1, l.add)
	if err != nil {
		return nil, nil, err
	}
	base := l.Baselines()
	j := NewJudge(dir, base, opts)
	if _, err := eachAccess(src.AccessLog, opts, dir, 2, j.add); err != nil {
		return nil, nil, err
	}
	res := j.Result()
	res.RowErrors = append(errs, logErrs...)
	return res, base, nil
}

// eachAccess streams an access log's good rows to f.
func eachAccess(path string, opts Options, dir *Directory, pass int, f func(*access)) ([]RowError, error) {
	r, err := OpenAccessLog(path, opts.Location)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var raw rawAccess
	var a access
	res := resolver{dir: dir}
	for n := 1; ; n++ {
		err := r.next(&raw)
		if errors.Is(err, io.EOF) {
			return r.RowErrors(), nil
		}
		if err != nil {
			return r.RowErrors(), err
		}
		a = res.resolve(&raw)
		f(&a)
		if opts.Progress != nil && n%ProgressEvery == 0 {
			opts.Progress(pass, n)
		}
	}
}
