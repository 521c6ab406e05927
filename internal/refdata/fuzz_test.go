package refdata

import (
	"testing"
)

func FuzzParseOrderLine(f *testing.F) {
	f.Add([]byte("00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae"))
	f.Add([]byte("00001 A00     0 Cholera                                                      Cholera\r"))
	f.Add([]byte("30493 QA0     0 x"))
	f.Add([]byte("1 E11 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, _, err := parseOrderLine(b)
		if err != nil {
			return
		}
		if !validICDShape(code) || len(b) < 15 {
			t.Fatalf("accepted %q as code %q", b, code)
		}
	})
}

// FuzzLoadTables feeds arbitrary CSV to every header-driven loader: each
// must return rows or an error, never panic.
func FuzzLoadTables(f *testing.F) {
	f.Add([]byte("Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date,Modifier Indicator\n29881,29877,,,*,0\n29881,29877,,19960101,20020101,9\n"))
	f.Add([]byte("HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n36415,2,3 Date of Service Edit\n"))
	f.Add([]byte("\"icd_code\",\"icd_conflict_group\",\"icd_conflict_rule\"\n\"O80\",\"Age\",\"Maternity (Ages 9-64)\"\n"))
	f.Add([]byte("hcpcs_code,date_added,date_term\nG0117,2002-01-01,20231231\n"))
	f.Add([]byte("pos_code,pos_name\n1,Pharmacy\n"))
	f.Add([]byte("modifier\n59\n\"X\"S\"\n"))
	f.Add([]byte("code\n207Q00000X\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		icd := newICD10()
		ptp := newPTP(0)
		loaders := []struct {
			required [][]string
			load     func(*table) (int, error)
		}{
			{ptpColumns, ptp.load},
			{mueColumns, (&MUE{codes: map[CodeKey]MUEEdit{}}).load},
			{[][]string{{"icd_code"}, {"icd_conflict_rule"}}, icd.loadMCE},
			{[][]string{{"hcpcs_code"}}, (&HCPCS{codes: map[CodeKey]HCPCSCode{}}).load},
			{[][]string{{"pos_code"}}, (&POS{}).load},
			{[][]string{{"modifier"}}, newModifiers().load},
			{[][]string{{"code"}}, (&Taxonomy{codes: map[string]struct{}{}}).load},
			{[][]string{{"code"}, {"billable"}}, icd.loadStarter},
		}
		for _, l := range loaders {
			tb, err := newTextTable("fuzz.csv", b, l.required...)
			if err != nil {
				continue
			}
			_, _ = l.load(tb)
		}
		_ = ptp.finish()
		icd.finish()
	})
}
