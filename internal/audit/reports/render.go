package reports

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/audit"
)

// summaryRows are the review's figures as label and value.
func (r ActivityReview) summaryRows() [][2]any {
	return [][2]any{
		{"Month", r.Month},
		{"EHR accesses imported", r.ImportedEvents},
		{"rcmbot PHI accesses", r.OwnEvents},
		{"rcmbot sign-ins", r.SignIns},
		{"Failed sign-ins", r.FailedSignIns},
		{"Alerts raised", r.Alerts},
		{"Cases closed", r.Closed},
		{"Cases open (undecided or escalated)", r.Open},
		{"Median hours to close", fmt.Sprintf("%.1f", r.MedianHoursToClose)},
		{"Longest hours to close", fmt.Sprintf("%.1f", r.MaxHoursToClose)},
	}
}

func dispositionRows(r ActivityReview) [][2]any {
	var out [][2]any
	for _, d := range audit.Dispositions {
		out = append(out, [2]any{strings.ReplaceAll(string(d), "_", " "), r.Dispositions[d]})
	}
	return out
}

// WriteReviewXLSX writes the monthly activity review as a workbook:
// Summary, Alerts by rule and Dispositions sheets.
func WriteReviewXLSX(w io.Writer, r ActivityReview) error {
	f := excelize.NewFile()
	defer f.Close()
	sheets := []struct {
		name   string
		header [2]string
		rows   [][2]any
	}{
		{"Summary", [2]string{"Figure", "Value"}, r.summaryRows()},
		{"Alerts by rule", [2]string{"Rule", "Alerts"}, nil},
		{"Dispositions", [2]string{"Disposition", "Alerts"}, dispositionRows(r)},
	}
	for _, rc := range r.ByRule() {
		sheets[1].rows = append(sheets[1].rows, [2]any{rc.Rule.Title, rc.Count})
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		rows := append([][2]any{{sh.header[0], sh.header[1]}}, sh.rows...)
		for j, row := range rows {
			if err := f.SetSheetRow(sh.name, fmt.Sprintf("A%d", j+1), &[]any{row[0], row[1]}); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(sh.name, "A", "A", 40); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// WriteReviewPDF writes the monthly activity review as a PDF: the
// figures, a bar chart of alerts by rule and the dispositions.
func WriteReviewPDF(w io.Writer, r ActivityReview) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Information-system activity review "+r.Month, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, "Information-system activity review, "+r.Month, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 6, "HIPAA 164.308(a)(1)(ii)(D) and 164.312(b); produced by rcmbot's access-monitoring bot.", "", 1, "L", false, 0, "")
	pdf.Ln(3)
	table := func(title string, rows [][2]any) {
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 8, title, "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		for _, row := range rows {
			pdf.CellFormat(100, 6, fmt.Sprint(row[0]), "1", 0, "L", false, 0, "")
			pdf.CellFormat(40, 6, fmt.Sprint(row[1]), "1", 1, "R", false, 0, "")
		}
		pdf.Ln(4)
	}
	table("Summary", r.summaryRows())
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 8, "Alerts by rule", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	byRule := r.ByRule()
	most := 1
	for _, rc := range byRule {
		most = max(most, rc.Count)
	}
	for _, rc := range byRule {
		x, y := pdf.GetXY()
		pdf.CellFormat(60, 6, rc.Rule.Title, "", 0, "L", false, 0, "")
		pdf.SetFillColor(70, 110, 170)
		pdf.Rect(x+62, y+1, 100*float64(rc.Count)/float64(most), 4, "F")
		pdf.SetXY(x+165, y)
		pdf.CellFormat(20, 6, fmt.Sprint(rc.Count), "", 1, "R", false, 0, "")
	}
	if len(byRule) == 0 {
		pdf.CellFormat(0, 6, "No alerts this month.", "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)
	table("Dispositions", dispositionRows(r))
	return pdf.Output(w)
}
