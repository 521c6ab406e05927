package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rcmbot/rcmbot/internal/audit"
)

// WriteFiles writes access.csv, staff.csv, patients.csv, encounters.csv
// and labels.json into dir and returns their paths.
func (h *Hospital) WriteFiles(dir string) (audit.Sources, error) {
	src, err := WriteDirectory(dir, h.Staff, h.Patients, h.Encounters)
	if err != nil {
		return src, err
	}
	src.AccessLog = filepath.Join(dir, "access.csv")
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{src.AccessLog, h.writeAccess}, {filepath.Join(dir, "labels.json"), h.writeLabels}} {
		if err := writeFile(f.path, f.write); err != nil {
			return src, err
		}
	}
	return src, nil
}

// WriteDirectory writes staff.csv, patients.csv and encounters.csv into
// dir, in the columns the import reads, and returns their paths (no
// access log).
func WriteDirectory(dir string, staff []audit.Staff, patients []audit.Patient, encounters []audit.Encounter) (audit.Sources, error) {
	src := audit.Sources{Staff: filepath.Join(dir, "staff.csv"), Patients: filepath.Join(dir, "patients.csv"),
		Encounters: filepath.Join(dir, "encounters.csv")}
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{src.Staff, func(w io.Writer) error { return writeStaff(w, staff) }},
		{src.Patients, func(w io.Writer) error { return writePatients(w, patients) }},
		{src.Encounters, func(w io.Writer) error { return writeEncounters(w, encounters) }}} {
		if err := writeFile(f.path, f.write); err != nil {
			return src, err
		}
	}
	return src, nil
}

// WriteAccessLog writes events to path as an access log
// (time,user_id,patient_id,action,workstation,ip).
func WriteAccessLog(path string, events []audit.Event) error {
	return writeFile(path, func(w io.Writer) error {
		if err := writeAccessHeader(w); err != nil {
			return err
		}
		for _, e := range events {
			if err := writeAccessRow(w, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (h *Hospital) writeAccess(w io.Writer) error {
	if err := writeAccessHeader(w); err != nil {
		return err
	}
	for i := range h.events {
		if err := writeAccessRow(w, h.event(&h.events[i])); err != nil {
			return err
		}
	}
	return nil
}

func writeAccessHeader(w io.Writer) error {
	_, err := io.WriteString(w, "time,user_id,patient_id,action,workstation,ip\n")
	return err
}

func writeAccessRow(w io.Writer, e audit.Event) error {
	_, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s\n", e.Time.Format(time.RFC3339), e.UserID, e.PatientID, e.Action, e.Workstation, e.IP)
	return err
}

func dateText(d interface{ IsZero() bool }) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprint(d)
}

func writeStaff(w io.Writer, staff []audit.Staff) error {
	fmt.Fprintln(w, "user_id,last_name,first_name,department,role,address,zip,hire_date,termination_date,shift_start,shift_end")
	for _, s := range staff {
		if _, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", s.UserID, s.LastName, s.FirstName, s.Department, s.Role,
			csvField(s.Address), s.ZIP, dateText(s.HireDate), dateText(s.TerminationDate), s.ShiftStart, s.ShiftEnd); err != nil {
			return err
		}
	}
	return nil
}

func writePatients(w io.Writer, patients []audit.Patient) error {
	fmt.Fprintln(w, "patient_id,last_name,first_name,dob,address,zip,vip,employee_user_id")
	for _, p := range patients {
		if _, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s,%t,%s\n", p.PatientID, p.LastName, p.FirstName, dateText(p.DOB),
			csvField(p.Address), p.ZIP, p.VIP, p.EmployeeUserID); err != nil {
			return err
		}
	}
	return nil
}

func writeEncounters(w io.Writer, encounters []audit.Encounter) error {
	fmt.Fprintln(w, "patient_id,user_id,department,start,end,kind")
	for _, e := range encounters {
		if _, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s\n", e.PatientID, e.UserID, e.Department,
			e.Start.Format(time.RFC3339), e.End.Format(time.RFC3339), e.Kind); err != nil {
			return err
		}
	}
	return nil
}

// csvField quotes a field holding a comma.
func csvField(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			q := []byte{'"'}
			for j := 0; j < len(s); j++ {
				if s[j] == '"' {
					q = append(q, '"')
				}
				q = append(q, s[j])
			}
			return string(append(q, '"'))
		}
	}
	return s
}

// Labels are what labels.json holds: the units a scan should alert on and
// the traps that must not alert.
type Labels struct {
	Units []Unit `json:"units"`
	Traps []Trap `json:"traps"`
}

func (h *Hospital) writeLabels(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Labels{Units: h.Units, Traps: h.Traps})
}
