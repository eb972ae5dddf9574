package healthcert

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidDate is wrapped by every error about a malformed or impossible Date.
var ErrInvalidDate = errors.New("healthcert: invalid date")

// The years a Date may hold.
const (
	minYear = 1900
	maxYear = 9999
)

// ParseDate parses a date in one of the forms "YYYY-MM-DD", "YYYY-MM",
// "YYYY" or "" (unknown). It is strict: exactly four year digits and two
// month and day digits, no time, no offset, and the date must exist (month
// 1–12, day valid for the month and year, year 1900–9999).
func ParseDate(s string) (Date, error) {
	var d Date
	switch len(s) {
	case 0:
		return Date{}, nil
	case 4, 7, 10:
	default:
		return Date{}, fmt.Errorf("%w: %q: want YYYY-MM-DD, YYYY-MM or YYYY", ErrInvalidDate, s)
	}
	y, ok := digits(s[0:4])
	if !ok {
		return Date{}, fmt.Errorf("%w: %q: year is not four digits", ErrInvalidDate, s)
	}
	d.Year = y
	if len(s) >= 7 {
		m, ok := digits(s[5:7])
		if s[4] != '-' || !ok {
			return Date{}, fmt.Errorf("%w: %q: want YYYY-MM after the year", ErrInvalidDate, s)
		}
		d.Month = m
	}
	if len(s) == 10 {
		day, ok := digits(s[8:10])
		if s[7] != '-' || !ok {
			return Date{}, fmt.Errorf("%w: %q: want YYYY-MM-DD", ErrInvalidDate, s)
		}
		d.Day = day
	}
	switch {
	case d.Year == 0:
		return Date{}, fmt.Errorf("%w: %q: year 0000; leave an unknown date empty", ErrInvalidDate, s)
	case len(s) >= 7 && d.Month == 0:
		return Date{}, fmt.Errorf("%w: %q: month 00; leave an unknown month out", ErrInvalidDate, s)
	case len(s) == 10 && d.Day == 0:
		return Date{}, fmt.Errorf("%w: %q: day 00; leave an unknown day out", ErrInvalidDate, s)
	}
	if err := d.check(); err != nil {
		return Date{}, fmt.Errorf("%w: %q: %s", ErrInvalidDate, s, err)
	}
	return d, nil
}

// digits parses s, which must be ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateOf returns the complete calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: int(m), Day: d}
}

// IsZero reports whether the date is entirely unknown.
func (d Date) IsZero() bool { return d == Date{} }

// IsComplete reports whether year, month and day are all known and valid.
func (d Date) IsComplete() bool { return d.Day != 0 && d.Valid() }

// Valid reports whether d is a date ParseDate could have returned: the zero
// Date, or a year 1900–9999 optionally followed by a month 1–12 optionally
// followed by a day that exists in that month.
func (d Date) Valid() bool { return d.check() == nil }

// check explains why d is not valid, without the package prefix.
func (d Date) check() error {
	if d.IsZero() {
		return nil
	}
	switch {
	case d.Year == 0:
		return errors.New("month or day known but year unknown")
	case d.Month == 0 && d.Day != 0:
		return errors.New("day known but month unknown")
	case d.Year < minYear || d.Year > maxYear:
		return fmt.Errorf("year %d outside %d–%d", d.Year, minYear, maxYear)
	case d.Month < 0 || d.Month > 12:
		return fmt.Errorf("month %d outside 1–12", d.Month)
	case d.Day < 0 || (d.Day > 0 && d.Day > daysIn(d.Year, d.Month)):
		return fmt.Errorf("day %d does not exist in %04d-%02d", d.Day, d.Year, d.Month)
	}
	return nil
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
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

// String returns the date as "YYYY-MM-DD", "YYYY-MM", "YYYY" or "" when
// unknown. An invalid date prints its components with a "!" prefix, such
// as "!2021-13-00", so that it is never mistaken for a valid one.
func (d Date) String() string {
	if !d.Valid() {
		return fmt.Sprintf("!%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	switch {
	case d.Year == 0:
		return ""
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Time returns midnight UTC of a complete date, and false for a partial or
// invalid one.
func (d Date) Time() (time.Time, bool) {
	if !d.IsComplete() {
		return time.Time{}, false
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC), true
}

// After reports whether d certainly lies after the calendar day e: some
// known component of d is greater than e's while the components before it
// are equal. A partial date that contains e is not after it, so "2026" is
// not after 2026-11-20 but "2027" is. Both dates should be valid and e
// complete.
func (d Date) After(e Date) bool {
	if d.Year == 0 || d.Year != e.Year {
		return d.Year > e.Year
	}
	if d.Month == 0 || d.Month != e.Month {
		return d.Month > e.Month
	}
	return d.Day > e.Day
}

// MarshalText returns the String form; it fails for an invalid date.
func (d Date) MarshalText() ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidDate, err)
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses the String form with ParseDate. On error d is left
// unchanged.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
