package certlogic

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Date-times are milliseconds since 1970-01-01T00:00:00Z (proleptic
// Gregorian calendar, UTC), as JavaScript's Date holds them: the
// specification defines plusTime through the UTC setters of Date.
const (
	msPerHour = 3_600_000
	msPerDay  = 24 * msPerHour

	// maxTimeMs bounds date-times to the range of a JavaScript Date
	// (±100,000,000 days around 1970); beyond it JavaScript has no date.
	maxTimeMs = 100_000_000 * msPerDay

	// maxAmount bounds the amount of a plusTime: a larger one leaves the
	// range above whatever the unit, and the bound keeps the arithmetic
	// far from int64 overflow.
	maxAmount = 1e9
)

// timeUnit is the unit of a plusTime operation.
type timeUnit uint8

const (
	unitYear timeUnit = iota + 1
	unitMonth
	unitDay
	unitHour
)

var timeUnits = map[string]timeUnit{"year": unitYear, "month": unitMonth, "day": unitDay, "hour": unitHour}

var errDateRange = errors.New("the resulting date-time is outside the range of dates (±100,000,000 days around 1970)")

// plusTime adds amount units to the date-time ms. Years and months keep
// the day of the month and the time of day and let an overflowing day run
// into the next month (2020-02-29 plus 1 year is 2021-03-01, 2021-01-31
// plus 1 month is 2021-03-03), exactly as JavaScript's setUTCFullYear and
// setUTCMonth do; days are 24 hours (UTC has no DST).
func plusTime(ms int64, amount float64, unit timeUnit) (int64, error) {
	if amount == 0 {
		return ms, nil
	}
	if math.Abs(amount) > maxAmount {
		return 0, errDateRange
	}
	a := int64(amount)
	switch unit {
	case unitDay:
		ms += a * msPerDay
	case unitHour:
		ms += a * msPerHour
	case unitMonth, unitYear:
		if unit == unitYear {
			a *= 12
		}
		days := floorDiv(ms, msPerDay)
		tod := ms - days*msPerDay
		y, m, d := civilFromDays(days)
		months := y*12 + (m - 1) + a
		y2 := floorDiv(months, 12)
		m2 := months - y2*12 + 1
		ms = (daysFromCivil(y2, m2, 1)+d-1)*msPerDay + tod
	}
	if ms > maxTimeMs || ms < -maxTimeMs {
		return 0, errDateRange
	}
	return ms, nil
}

// parseDateTime parses the date and date-time forms plusTime accepts:
// YYYY, YYYY-MM (as dccDateOfBirth), YYYY-MM-DD, and
// YYYY-MM-DDThh:mm:ss[.S…][Z|±h|±hh|±hmm|±hhmm|±h:mm|±hh:mm]. A missing
// offset is Z; fractions are cut to the millisecond (rounded down).
func parseDateTime(s string) (int64, error) {
	if len(s) <= 10 {
		return parseDate(s)
	}
	days, err := parseDate(s[:10])
	if err != nil || s[10] != 'T' || len(s) < 19 || s[13] != ':' || s[16] != ':' {
		return 0, badDate(s)
	}
	hh, ok1 := digits(s, 11, 2)
	mm, ok2 := digits(s, 14, 2)
	ss, ok3 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, badDate(s)
	}
	ms := days + hh*msPerHour + mm*60_000 + ss*1000
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		var frac, scale int64 = 0, 100
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			frac += int64(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return 0, badDate(s)
		}
		ms += frac
	}
	if i == len(s) {
		return ms, nil
	}
	switch s[i] {
	case 'Z':
		if i+1 != len(s) {
			return 0, badDate(s)
		}
		return ms, nil
	case '+', '-':
	default:
		return 0, badDate(s)
	}
	sign := int64(1)
	if s[i] == '-' {
		sign = -1
	}
	off, ok := parseOffset(s[i+1:])
	if !ok {
		return 0, badDate(s)
	}
	return ms - sign*off, nil
}

// parseOffset parses the digits of an offset: h, hh, hmm, hhmm, h:mm or
// hh:mm, and returns it in milliseconds.
func parseOffset(s string) (int64, bool) {
	var h, m int64
	var ok1, ok2 bool
	switch {
	case len(s) == 1 || len(s) == 2:
		h, ok1 = digits(s, 0, len(s))
		ok2 = true
	case len(s) == 3 && s[1] != ':':
		h, ok1 = digits(s, 0, 1)
		m, ok2 = digits(s, 1, 2)
	case len(s) == 4 && s[1] == ':':
		h, ok1 = digits(s, 0, 1)
		m, ok2 = digits(s, 2, 2)
	case len(s) == 4:
		h, ok1 = digits(s, 0, 2)
		m, ok2 = digits(s, 2, 2)
	case len(s) == 5 && s[2] == ':':
		h, ok1 = digits(s, 0, 2)
		m, ok2 = digits(s, 3, 2)
	}
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	return h*msPerHour + m*60_000, true
}

// parseDate parses YYYY, YYYY-MM and YYYY-MM-DD the way dccDateOfBirth
// does: a partial date stands for the last day it may mean (YYYY-12-31,
// the last day of the month), at midnight UTC. It returns milliseconds.
func parseDate(s string) (int64, error) {
	y, ok := digits(s, 0, 4)
	if !ok {
		return 0, badDate(s)
	}
	switch len(s) {
	case 4:
		return daysFromCivil(y, 12, 31) * msPerDay, nil
	case 7, 10:
	default:
		return 0, badDate(s)
	}
	m, ok := digits(s, 5, 2)
	if !ok || s[4] != '-' || m < 1 || m > 12 {
		return 0, badDate(s)
	}
	last := daysInMonth(y, m)
	if len(s) == 7 {
		return daysFromCivil(y, m, last) * msPerDay, nil
	}
	d, ok := digits(s, 8, 2)
	if !ok || s[7] != '-' || d < 1 || d > last {
		return 0, badDate(s)
	}
	return daysFromCivil(y, m, d) * msPerDay, nil
}

func badDate(s string) error {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Errorf("%q is not a date or date-time in an allowed format (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.S][offset]), or not a day of the calendar", s)
}

// digits reads n ASCII digits of s at i.
func digits(s string, i, n int) (int64, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v int64
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysInMonth(y, m int64) int64 {
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

// daysFromCivil returns the days since 1970-01-01 of the proleptic
// Gregorian date y-m-d (m in 1..12; d may overflow the month, which moves
// the date forward as in JavaScript's Date). Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// timeOf returns the date-time ms as a time.Time in UTC.
func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// formatTime writes a date-time as JavaScript's toISOString does.
func formatTime(ms int64) string {
	return timeOf(ms).Format("2006-01-02T15:04:05.000Z07:00")
}
