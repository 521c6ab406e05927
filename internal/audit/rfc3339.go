package audit

import "time"

// parseTime reads an RFC 3339 time with an offset ("2025-03-04T08:15:00-05:00",
// "2025-03-04T13:15:00.250Z") as seconds and nanoseconds since the Unix
// epoch. It accepts exactly what time.Parse(time.RFC3339, s) accepts and
// gives the same instant: the common form is read here without
// allocating, anything else is handed to the standard library.
func parseTime(b []byte) (sec int64, nsec int32, ok bool) {
	if sec, nsec, ok = parseTimeFast(b); ok {
		return sec, nsec, true
	}
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return 0, 0, false
	}
	return t.Unix(), int32(t.Nanosecond()), true
}

// parseTimeFast reads YYYY-MM-DDTHH:MM:SS[.fraction of 1 to 9 digits]
// followed by Z or ±HH:MM. It reports false for anything else, including
// forms the standard library would still accept.
func parseTimeFast(b []byte) (sec int64, nsec int32, ok bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, 0, false
	}
	year, ok1 := digits4(b[0:4])
	month, ok2 := digits2(b[5:7])
	day, ok3 := digits2(b[8:10])
	hour, ok4 := digits2(b[11:13])
	minute, ok5 := digits2(b[14:16])
	second, ok6 := digits2(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysInMonth(month, year) || hour > 23 || minute > 59 || second > 59 {
		return 0, 0, false
	}
	rest := b[19:]
	if rest[0] == '.' {
		n := 1
		var frac int32
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			if n > 9 {
				return 0, 0, false
			}
			frac = frac*10 + int32(rest[n]-'0')
			n++
		}
		if n == 1 {
			return 0, 0, false
		}
		for k := n; k <= 9; k++ {
			frac *= 10
		}
		nsec = frac
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits2(rest[1:3])
		om, okm := digits2(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, 0, false
		}
		offset = int64(oh*60+om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, 0, false
	}
	days := daysFromCivil(year, month, day)
	sec = days*86400 + int64(hour*3600+minute*60+second) - offset
	return sec, nsec, true
}

func digits2(b []byte) (int, bool) {
	d0, d1 := b[0]-'0', b[1]-'0'
	return int(d0)*10 + int(d1), d0 <= 9 && d1 <= 9
}

func digits4(b []byte) (int, bool) {
	hi, ok1 := digits2(b[0:2])
	lo, ok2 := digits2(b[2:4])
	return hi*100 + lo, ok1 && ok2
}

func daysInMonth(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
