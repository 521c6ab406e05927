package web

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/store"
	"github.com/rcmbot/rcmbot/internal/web/auth"
)

// cleanClaimTarget is the industry's clean-claim-rate goal (≥ 95%).
const cleanClaimTarget = 0.95

// reportRange reads ?weeks= (4, 12, 26 or 52; default 12) and returns the
// start of the range: Monday 00:00, that many weeks back, in the practice's
// time zone.
func (s *Server) reportRange(r *http.Request) (time.Time, int) {
	weeks := 12
	if n, err := strconv.Atoi(r.URL.Query().Get("weeks")); err == nil && slices.Contains([]int{4, 12, 26, 52}, n) {
		weeks = n
	}
	now := s.now().In(s.cfg.Location())
	offset := (int(now.Weekday()) + 6) % 7 // days since Monday
	monday := time.Date(now.Year(), now.Month(), now.Day()-offset, 0, 0, 0, 0, now.Location())
	return monday.AddDate(0, 0, -7*(weeks-1)), weeks
}

func (s *Server) weeklyReport(r *http.Request) ([]store.WeekReport, time.Time, int, error) {
	from, weeks := s.reportRange(r)
	rep, err := s.db.WeeklyReport(r.Context(), store.ReportOptions{From: from, Location: s.cfg.Location()})
	return rep, from, weeks, err
}

// reportTotals sums a report over its weeks.
type reportTotals struct {
	Claims, Clean, Submitted, Accepted, Denials int
	AtRisk                                      claim.Money
	Hours                                       float64
}

func totalsOf(rep []store.WeekReport) reportTotals {
	var t reportTotals
	for _, w := range rep {
		t.Claims += w.Claims
		t.Clean += w.Clean
		t.Submitted += w.Submitted
		t.Accepted += w.AcceptedFirstPass
		t.Denials += w.DenialsPrevented
		t.AtRisk += w.DollarsAtRisk
		t.Hours += w.HoursSaved
	}
	return t
}

// categoriesOf lists every finding category in the report, sorted.
func categoriesOf(rep []store.WeekReport) []string {
	set := map[string]bool{}
	for _, w := range rep {
		for c := range w.FindingsByCategory {
			set[c] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

type reportsPageData struct {
	Weeks      int
	Choices    []int
	Report     []store.WeekReport
	Totals     reportTotals
	Categories []string
	Charts     []chart
	// MinutesPerRework is the rework time one prevented denial saves.
	MinutesPerRework int
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, _, weeks, err := s.weeklyReport(r)
	if err != nil {
		s.failErr(w, r, "the reports", err)
		return
	}
	d := reportsPageData{Weeks: weeks, Choices: []int{4, 12, 26, 52}, Report: rep, Totals: totalsOf(rep), Categories: categoriesOf(rep),
		MinutesPerRework: store.DefaultMinutesPerRework}
	labels := make([]string, len(rep))
	clean, fpa, atRisk, hours := make([]float64, len(rep)), make([]float64, len(rep)), make([]float64, len(rep)), make([]float64, len(rep))
	for i, wk := range rep {
		labels[i] = wk.Start.Format("Jan 2")
		clean[i], fpa[i], atRisk[i], hours[i] = wk.CleanClaimRate, wk.FirstPassAcceptance, wk.DollarsAtRisk.Float(), wk.HoursSaved
		if wk.Submitted == 0 {
			fpa[i] = math.NaN() // nothing submitted: no rate
		}
	}
	pctFmt := func(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }
	dollars := func(v float64) string { return formatMoneyShort(v) }
	hoursFmt := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " h" }
	target := cleanClaimTarget
	var cats []chartSeries
	for _, c := range d.Categories {
		vals := make([]float64, len(rep))
		for i, wk := range rep {
			vals[i] = float64(wk.FindingsByCategory[c])
		}
		cats = append(cats, chartSeries{Name: c, Values: vals})
	}
	count := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
	d.Charts = []chart{
		newChart("clean", "Clean-claim rate", "Share of claims that passed every edit with no manual touch, per week, against the 95% target.",
			labels, []chartSeries{{Name: "clean-claim rate", Values: clean}}, pctFmt, 1, &target),
		newChart("fpa", "First-pass acceptance", "Share of first submissions the payer accepted, per week.",
			labels, []chartSeries{{Name: "first-pass acceptance", Values: fpa}}, pctFmt, 1, nil),
		newChart("categories", "Findings by category", "Number of findings per week, stacked by category.",
			labels, topSeries(cats, chartColors), count, 0, nil),
		newChart("atrisk", "Dollars at risk", "Total charges of flagged claims per week.",
			labels, []chartSeries{{Name: "dollars at risk", Values: atRisk}}, dollars, 0, nil),
		newChart("hours", "Estimated staff hours saved", "Denials prevented times the rework time of one denial, per week.",
			labels, []chartSeries{{Name: "hours saved", Values: hours}}, hoursFmt, 0, nil),
	}
	s.page(w, http.StatusOK, "reports", newView(id, "Reports", "reports", d))
}

// formatMoneyShort writes dollars for chart labels: $950, $12.5k, $1.2M.
func formatMoneyShort(v float64) string {
	switch {
	case v >= 1e6:
		return "$" + strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case v >= 1e4:
		return "$" + strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case v >= 1e3:
		return "$" + strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return "$" + strconv.FormatFloat(v, 'f', 0, 64)
}

type weekJSON struct {
	Week                string         `json:"week"`
	Start               time.Time      `json:"start"`
	Claims              int            `json:"claims"`
	Clean               int            `json:"clean"`
	CleanClaimRate      float64        `json:"clean_claim_rate"`
	Submitted           int            `json:"submitted"`
	AcceptedFirstPass   int            `json:"accepted_first_pass"`
	AwaitingAck         int            `json:"awaiting_ack"`
	FirstPassAcceptance float64        `json:"first_pass_acceptance"`
	FindingsByCategory  map[string]int `json:"findings_by_category"`
	DollarsAtRisk       claim.Money    `json:"dollars_at_risk"`
	DenialsPrevented    int            `json:"denials_prevented"`
	HoursSaved          float64        `json:"hours_saved"`
}

func (s *Server) apiReports(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, from, _, err := s.weeklyReport(r)
	if err != nil {
		s.failErr(w, r, "the reports", err)
		return
	}
	out := []weekJSON{}
	for _, wk := range rep {
		cats := wk.FindingsByCategory
		if cats == nil {
			cats = map[string]int{}
		}
		out = append(out, weekJSON{Week: wk.Week, Start: wk.Start, Claims: wk.Claims, Clean: wk.Clean, CleanClaimRate: wk.CleanClaimRate,
			Submitted: wk.Submitted, AcceptedFirstPass: wk.AcceptedFirstPass, AwaitingAck: wk.AwaitingAck,
			FirstPassAcceptance: wk.FirstPassAcceptance, FindingsByCategory: cats, DollarsAtRisk: wk.DollarsAtRisk,
			DenialsPrevented: wk.DenialsPrevented, HoursSaved: wk.HoursSaved})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "weeks": out})
}

// apiReportsXLSX exports the weekly report as a workbook: a Weekly sheet
// with every figure and a Findings sheet by category. The report holds
// counts and sums only, no patient data.
func (s *Server) apiReportsXLSX(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	rep, from, _, err := s.weeklyReport(r)
	if err != nil {
		s.failErr(w, r, "the reports", err)
		return
	}
	f, err := reportWorkbook(rep)
	if err != nil {
		s.failErr(w, r, "the report workbook", err)
		return
	}
	defer f.Close()
	setDownload(w, xlsxType, "rcmbot-report-from-"+from.Format("2006-01-02")+".xlsx")
	if _, err := f.WriteTo(w); err != nil {
		s.log.Warn("web: report workbook", "err", err)
	}
}

// workbookStyles adds the exports' styles to f: bold headings, percent
// and dollar amounts.
func workbookStyles(f *excelize.File) (bold, pct, usd int, err error) {
	if bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return
	}
	pctFmt := "0.0%"
	if pct, err = f.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt}); err != nil {
		return
	}
	usdFmt := `"$"#,##0.00`
	usd, err = f.NewStyle(&excelize.Style{CustomNumFmt: &usdFmt})
	return
}

func reportWorkbook(rep []store.WeekReport) (*excelize.File, error) {
	f := excelize.NewFile()
	const weekly, findings = "Weekly", "Findings by category"
	if err := f.SetSheetName("Sheet1", weekly); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(findings); err != nil {
		return nil, err
	}
	bold, pct, usd, err := workbookStyles(f)
	if err != nil {
		return nil, err
	}
	head := []any{"Week", "Week starting", "Claims", "Clean", "Clean-claim rate", "Submitted", "Accepted first pass", "Awaiting acknowledgement",
		"First-pass acceptance", "Dollars at risk", "Denials prevented", "Staff hours saved"}
	if err := f.SetSheetRow(weekly, "A1", &head); err != nil {
		return nil, err
	}
	for i, wk := range rep {
		row := []any{wk.Week, wk.Start.Format("2006-01-02"), wk.Claims, wk.Clean, wk.CleanClaimRate, wk.Submitted, wk.AcceptedFirstPass,
			wk.AwaitingAck, wk.FirstPassAcceptance, wk.DollarsAtRisk.Float(), wk.DenialsPrevented, wk.HoursSaved}
		if err := f.SetSheetRow(weekly, "A"+strconv.Itoa(i+2), &row); err != nil {
			return nil, err
		}
	}
	last := strconv.Itoa(len(rep) + 1)
	for _, st := range []struct {
		from, to string
		style    int
	}{{"A1", "L1", bold}, {"E2", "E" + last, pct}, {"I2", "I" + last, pct}, {"J2", "J" + last, usd}} {
		if err := f.SetCellStyle(weekly, st.from, st.to, st.style); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(weekly, "A", "L", 16); err != nil {
		return nil, err
	}
	cats := categoriesOf(rep)
	fhead := []any{"Week"}
	for _, c := range cats {
		fhead = append(fhead, c)
	}
	if err := f.SetSheetRow(findings, "A1", &fhead); err != nil {
		return nil, err
	}
	for i, wk := range rep {
		row := []any{wk.Week}
		for _, c := range cats {
			row = append(row, wk.FindingsByCategory[c])
		}
		if err := f.SetSheetRow(findings, "A"+strconv.Itoa(i+2), &row); err != nil {
			return nil, err
		}
	}
	endCol, err := excelize.ColumnNumberToName(len(fhead))
	if err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(findings, "A1", fmt.Sprintf("%s1", endCol), bold); err != nil {
		return nil, err
	}
	return f, nil
}
