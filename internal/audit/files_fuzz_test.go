package audit_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcmbot/rcmbot/internal/audit"
)

// FuzzReadFiles runs every reader on the same bytes: none may panic or
// fail on a bad row as a whole, and no row error may show a cell value
// (every value in the seeds contains "SECRET", which no message does).
func FuzzReadFiles(f *testing.F) {
	for _, s := range []string{
		"time,user_id,patient_id,action,workstation,ip\n2025-03-04T08:15:00Z,SECRETu,SECRETp,view,SECRETws,SECRETip\nSECRET,SECRETu,SECRETp,SECRET,,\n",
		"user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end\nSECRET1,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET\n",
		"patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id\nSECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET,SECRET\n",
		"patient_id,user_id,department,start,end,kind\nSECRET,SECRET,SECRET,SECRET,SECRET,SECRET\n,,,,,\n",
		"time;user_id;patient_id;action\n\"SECRET;x\";u;p;view\n",
		"\xFF\xFEt\x00i\x00m\x00e\x00\n\x00",
		"time,user_id,patient_id,action\n\"unterminated SECRET,u,p,view\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var all []audit.RowError
		if r, err := audit.OpenAccessLog(path, nil); err == nil {
			for {
				_, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					break // a fault in the file as a whole
				}
			}
			all = append(all, r.RowErrors()...)
			r.Close()
		}
		if _, errs, err := audit.ReadStaff(path); err == nil {
			all = append(all, errs...)
		}
		if _, errs, err := audit.ReadPatients(path); err == nil {
			all = append(all, errs...)
		}
		if _, errs, err := audit.ReadEncounters(path, nil); err == nil {
			all = append(all, errs...)
		}
		for _, e := range all {
			if e.File != "in.csv" || e.Row < 1 || e.Reason == "" {
				t.Errorf("row error without its place: %+v", e)
			}
			if strings.Contains(e.Error(), "SECRET") {
				t.Errorf("row error shows a value: %s", e.Error())
			}
		}
	})
}
