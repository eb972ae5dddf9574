package hc1

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// The native ITHC payload (docs/format.md is the specification): a CBOR
// map with small integer keys. Keys 0–999 of every map defined here are
// reserved for this specification: a key of that range the decoder does not
// know is an error (it means a newer format or a corrupt payload). Keys from
// 1000 up and negative keys are an extension range: decoders skip them, so
// an issuer may add private data without breaking verifiers.

// NativeVersion is the version of the native payload this package writes
// and the highest it reads.
const NativeVersion = 1

// Top-level keys.
const (
	nkVersion = 0
	nkID      = 1
	nkIssuer  = 2
	nkHolder  = 3
	nkEvents  = 4
)

// Holder keys.
const (
	hkFamily     = 1
	hkGiven      = 2
	hkFamilyICAO = 3
	hkGivenICAO  = 4
	hkBirth      = 5
	hkSex        = 6
	hkDocument   = 7
)

// Travel document keys.
const (
	dkType   = 1
	dkNumber = 2
	dkState  = 3
)

// Event keys: 0 is the type, 1–3 the common fields, 8 and up per type.
const (
	ekType    = 0
	ekDisease = 1
	ekCountry = 2
	ekCentre  = 3

	// Vaccination.
	ekVaccine      = 8
	ekProduct      = 9
	ekManufacturer = 10
	ekDose         = 11
	ekTotal        = 12
	ekVaccDate     = 13

	// Nucleic-acid and antigen tests: method or device, name, sample time,
	// result. Antibody tests: isotype, method, device, sample time,
	// result, quantity.
	ekTestA      = 8
	ekTestB      = 9
	ekTestC      = 10
	ekTestD      = 11
	ekTestE      = 12
	ekTestQuanty = 13

	// Recovery.
	ekFirstPositive = 8
	ekValidFrom     = 9
	ekValidUntil    = 10
)

// Quantity keys.
const (
	qkValue  = 1
	qkUnit   = 2
	qkCutOff = 3
)

// Event type codes.
var eventCodes = map[healthcert.EventType]int64{
	healthcert.TypeVaccination:     1,
	healthcert.TypeNucleicAcidTest: 2,
	healthcert.TypeAntibodyTest:    3,
	healthcert.TypeAntigenTest:     4,
	healthcert.TypeRecovery:        5,
}

// Result codes.
var resultCodes = map[healthcert.TestResult]int64{
	healthcert.ResultNegative:     1,
	healthcert.ResultPositive:     2,
	healthcert.ResultInconclusive: 3,
}

// ErrNative is wrapped by every native payload error.
var ErrNative = errors.New("native payload")

func nativeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNative, fmt.Sprintf(format, args...))
}

// MarshalNative encodes c as the native payload, in deterministic CBOR.
// The issuer country and the issue and expiry times are not part of it:
// they travel as the CWT claims iss, iat and exp.
func MarshalNative(c *healthcert.Certificate) ([]byte, error) {
	if len(c.Events) == 0 || len(c.Events) > limits.MaxEvents {
		return nil, fmt.Errorf("hc1: %w: %d events, want 1 to %d", ErrNative, len(c.Events), limits.MaxEvents)
	}
	var w writer
	w.b = make([]byte, 0, 256)
	n := uint64(3)
	n += count(c.ID != "", c.Issuer.Name != "")
	w.head(majorMap, n)
	w.int(nkVersion)
	w.int(NativeVersion)
	if c.ID != "" {
		w.int(nkID)
		w.text(c.ID)
	}
	if c.Issuer.Name != "" {
		w.int(nkIssuer)
		w.text(c.Issuer.Name)
	}
	w.int(nkHolder)
	if err := writeHolder(&w, &c.Holder); err != nil {
		return nil, err
	}
	w.int(nkEvents)
	w.head(majorArray, uint64(len(c.Events)))
	for i, e := range c.Events {
		if err := writeEvent(&w, e); err != nil {
			return nil, fmt.Errorf("hc1: %w: event %d: %v", ErrNative, i, err)
		}
	}
	return w.b, nil
}

func count(b ...bool) uint64 {
	var n uint64
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// field is one optional map entry, written only when set.
type field struct {
	key   int64
	set   bool
	write func(*writer)
}

func writeFields(w *writer, fs []field) {
	n := uint64(0)
	for _, f := range fs {
		if f.set {
			n++
		}
	}
	w.head(majorMap, n)
	for _, f := range fs {
		if f.set {
			w.int(f.key)
			f.write(w)
		}
	}
}

func textField(key int64, s string) field {
	return field{key, s != "", func(w *writer) { w.text(s) }}
}

func intField(key int64, v int) field {
	return field{key, v != 0, func(w *writer) { w.int(int64(v)) }}
}

func dateField(key int64, d healthcert.Date) (field, error) {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31 {
		return field{}, fmt.Errorf("date %d-%d-%d out of range", d.Year, d.Month, d.Day)
	}
	v := int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day)
	return field{key, v != 0, func(w *writer) { w.int(v) }}, nil
}

func timeField(key int64, t time.Time) (field, error) {
	if t.IsZero() {
		return field{key: key}, nil
	}
	s := t.Unix()
	if s < -maxTime || s > maxTime {
		return field{}, fmt.Errorf("time %v out of range", t)
	}
	ns := t.Nanosecond()
	return field{key, true, func(w *writer) {
		if ns == 0 {
			w.int(s)
			return
		}
		w.head(majorArray, 2)
		w.int(s)
		w.int(int64(ns))
	}}, nil
}

func writeHolder(w *writer, h *healthcert.Holder) error {
	dob, err := dateField(hkBirth, h.DateOfBirth)
	if err != nil {
		return fmt.Errorf("hc1: %w: holder: %v", ErrNative, err)
	}
	fs := []field{
		textField(hkFamily, h.Name.Family),
		textField(hkGiven, h.Name.Given),
		textField(hkFamilyICAO, h.Name.FamilyICAO),
		textField(hkGivenICAO, h.Name.GivenICAO),
		dob,
		textField(hkSex, string(h.Sex)),
	}
	if d := h.Document; d != nil {
		fs = append(fs, field{hkDocument, true, func(w *writer) {
			writeFields(w, []field{textField(dkType, d.Type), textField(dkNumber, d.Number), textField(dkState, d.IssuingState)})
		}})
	}
	writeFields(w, fs)
	return nil
}

func resultField(key int64, r healthcert.TestResult) (field, error) {
	if r == "" {
		return field{key: key}, nil
	}
	code, ok := resultCodes[r]
	if !ok {
		return field{}, fmt.Errorf("unknown test result %q", r)
	}
	return field{key, true, func(w *writer) { w.int(code) }}, nil
}

func writeEvent(w *writer, e healthcert.Event) error {
	if e == nil {
		return errors.New("nil event")
	}
	code, ok := eventCodes[e.Type()]
	if !ok {
		return fmt.Errorf("unknown event type %q", e.Type())
	}
	var common healthcert.Common
	var rest []field
	var errs [4]error
	switch e := e.(type) {
	case *healthcert.Vaccination:
		common = e.Common
		var d field
		d, errs[0] = dateField(ekVaccDate, e.Date)
		if e.DoseNumber < 0 || e.TotalDoses < 0 || e.DoseNumber > 1000 || e.TotalDoses > 1000 {
			errs[1] = fmt.Errorf("dose %d of %d out of range", e.DoseNumber, e.TotalDoses)
		}
		rest = []field{
			textField(ekVaccine, e.VaccineType), textField(ekProduct, e.Product),
			textField(ekManufacturer, e.Manufacturer), intField(ekDose, e.DoseNumber),
			intField(ekTotal, e.TotalDoses), d,
		}
	case *healthcert.NucleicAcidTest:
		common = e.Common
		var t, r field
		t, errs[0] = timeField(ekTestC, e.SampleTime)
		r, errs[1] = resultField(ekTestD, e.Result)
		rest = []field{textField(ekTestA, e.Method), textField(ekTestB, e.Name), t, r}
	case *healthcert.AntigenTest:
		common = e.Common
		var t, r field
		t, errs[0] = timeField(ekTestC, e.SampleTime)
		r, errs[1] = resultField(ekTestD, e.Result)
		rest = []field{textField(ekTestA, e.Device), textField(ekTestB, e.Name), t, r}
	case *healthcert.AntibodyTest:
		common = e.Common
		var t, r field
		t, errs[0] = timeField(ekTestD, e.SampleTime)
		r, errs[1] = resultField(ekTestE, e.Result)
		rest = []field{textField(ekTestA, string(e.Isotype)), textField(ekTestB, e.Method), textField(ekTestC, e.Device), t, r}
		if q := e.Quantity; q != nil {
			if math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || math.IsNaN(q.CutOff) || math.IsInf(q.CutOff, 0) {
				errs[2] = errors.New("quantity is not finite")
			}
			rest = append(rest, field{ekTestQuanty, true, func(w *writer) {
				// Value and cut-off are always written: 0 is a real value.
				w.head(majorMap, 2+count(q.Unit != ""))
				w.int(qkValue)
				w.float(q.Value)
				if q.Unit != "" {
					w.int(qkUnit)
					w.text(q.Unit)
				}
				w.int(qkCutOff)
				w.float(q.CutOff)
			}})
		}
	case *healthcert.Recovery:
		common = e.Common
		var a, b, c field
		a, errs[0] = dateField(ekFirstPositive, e.FirstPositive)
		b, errs[1] = dateField(ekValidFrom, e.ValidFrom)
		c, errs[2] = dateField(ekValidUntil, e.ValidUntil)
		rest = []field{a, b, c}
	default:
		return fmt.Errorf("unsupported event %T", e)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	fs := append([]field{
		{ekType, true, func(w *writer) { w.int(code) }},
		textField(ekDisease, common.Disease),
		textField(ekCountry, common.Country),
		textField(ekCentre, common.Centre),
	}, rest...)
	writeFields(w, fs)
	return nil
}

// UnmarshalNative decodes a native payload. The returned certificate has
// no Issuer.Country, IssuedAt or ExpiresAt: those come from the CWT claims
// (ParseCOSE fills them in). Keys 0–999 unknown to this version are
// rejected, keys from 1000 up and negative keys skipped; duplicate keys,
// trailing bytes, more than limits.MaxEvents events and a version above
// NativeVersion are errors.
func UnmarshalNative(b []byte) (*healthcert.Certificate, error) {
	r := &reader{data: b, str: string(b)}
	c := new(healthcert.Certificate)
	version := int64(-1)
	var haveHolder, haveEvents bool
	err := readMap(r, 0, "certificate", func(key int64) error {
		var err error
		switch key {
		case nkVersion:
			if version, err = r.readInt(); err == nil && (version < 1 || version > NativeVersion) {
				err = fmt.Errorf("unsupported version %d (this decoder reads 1 to %d)", version, NativeVersion)
			}
		case nkID:
			c.ID, err = r.readText()
		case nkIssuer:
			c.Issuer.Name, err = r.readText()
		case nkHolder:
			haveHolder = true
			err = readHolder(r, &c.Holder)
		case nkEvents:
			haveEvents = true
			c.Events, err = readEvents(r)
		default:
			return errUnknownKey
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.off != len(b) {
		return nil, nativeErr("%d bytes after the payload", len(b)-r.off)
	}
	switch {
	case version < 0:
		return nil, nativeErr("no version (key 0)")
	case !haveHolder:
		return nil, nativeErr("no holder (key 3)")
	case !haveEvents:
		return nil, nativeErr("no events (key 4)")
	}
	return c, nil
}

var errUnknownKey = errors.New("unknown key")

// readMap reads a map with integer keys, calling f for each key in the
// reserved range 0–999 (f returns errUnknownKey for a key it does not
// know) and skipping extension keys.
func readMap(r *reader, depth int, what string, f func(key int64) error) error {
	if depth > limits.MaxCBORDepth {
		return nativeErr("%s: nesting exceeds the limit of %d", what, limits.MaxCBORDepth)
	}
	n, err := r.mapHeader()
	if err != nil {
		return nativeErr("%s: %v", what, err)
	}
	k := newKeyer(n)
	for {
		key, ok, err := k.next(r, depth)
		if err != nil {
			return nativeErr("%s: %v", what, err)
		}
		if !ok {
			return nil
		}
		if key.kind != majorUint {
			return nativeErr("%s: key %s is not an integer", what, key)
		}
		if key.i < 0 || key.i >= 1000 {
			if err := r.skip(depth + 1); err != nil {
				return nativeErr("%s: key %d: %v", what, key.i, err)
			}
			continue
		}
		start := r.off
		if err := f(key.i); err != nil {
			if errors.Is(err, ErrNative) {
				return err
			}
			if err == errUnknownKey {
				r.off = start
				return nativeErr("%s: unknown key %d at offset %d", what, key.i, start)
			}
			return nativeErr("%s: key %d: %v", what, key.i, err)
		}
	}
}

func readHolder(r *reader, h *healthcert.Holder) error {
	return readMap(r, 1, "holder", func(key int64) error {
		var err error
		switch key {
		case hkFamily:
			h.Name.Family, err = r.readText()
		case hkGiven:
			h.Name.Given, err = r.readText()
		case hkFamilyICAO:
			h.Name.FamilyICAO, err = r.readText()
		case hkGivenICAO:
			h.Name.GivenICAO, err = r.readText()
		case hkBirth:
			h.DateOfBirth, err = readDate(r)
		case hkSex:
			var s string
			if s, err = r.readText(); err == nil {
				h.Sex = healthcert.Sex(s)
			}
		case hkDocument:
			d := new(healthcert.TravelDocument)
			h.Document = d
			err = readMap(r, 2, "travel document", func(key int64) error {
				var err error
				switch key {
				case dkType:
					d.Type, err = r.readText()
				case dkNumber:
					d.Number, err = r.readText()
				case dkState:
					d.IssuingState, err = r.readText()
				default:
					return errUnknownKey
				}
				return err
			})
		default:
			return errUnknownKey
		}
		return err
	})
}

func readDate(r *reader) (healthcert.Date, error) {
	v, err := r.readInt()
	if err != nil {
		return healthcert.Date{}, err
	}
	d := healthcert.Date{Year: int(v / 10000), Month: int(v / 100 % 100), Day: int(v % 100)}
	if v <= 0 || v > 99991231 || d.Month > 12 || d.Day > 31 {
		return healthcert.Date{}, fmt.Errorf("date %d is not YYYYMMDD", v)
	}
	return d, nil
}

func readTimeValue(r *reader) (time.Time, error) {
	if m, ok := r.peekMajor(); ok && m == majorArray {
		n, err := r.arrayHeader()
		if err != nil {
			return time.Time{}, err
		}
		if n != 2 {
			return time.Time{}, fmt.Errorf("time array of %d items, want 2", n)
		}
		s, err := r.readInt()
		if err != nil {
			return time.Time{}, err
		}
		ns, err := r.readInt()
		if err != nil {
			return time.Time{}, err
		}
		if s < -maxTime || s > maxTime || ns <= 0 || ns >= 1e9 {
			return time.Time{}, fmt.Errorf("time [%d, %d] out of range", s, ns)
		}
		return time.Unix(s, ns).UTC(), nil
	}
	s, err := r.readInt()
	if err != nil {
		return time.Time{}, err
	}
	if s < -maxTime || s > maxTime {
		return time.Time{}, fmt.Errorf("time %d out of range", s)
	}
	return time.Unix(s, 0).UTC(), nil
}

func readResult(r *reader) (healthcert.TestResult, error) {
	v, err := r.readInt()
	if err != nil {
		return "", err
	}
	for res, code := range resultCodes {
		if code == v {
			return res, nil
		}
	}
	return "", fmt.Errorf("unknown result code %d", v)
}

func readCount(r *reader) (int, error) {
	v, err := r.readInt()
	if err != nil {
		return 0, err
	}
	if v < 1 || v > 1000 {
		return 0, fmt.Errorf("dose count %d out of range", v)
	}
	return int(v), nil
}

func readEvents(r *reader) ([]healthcert.Event, error) {
	n, err := r.arrayHeader()
	if err != nil {
		return nil, err
	}
	if n == 0 || n > limits.MaxEvents {
		return nil, fmt.Errorf("%d events, want 1 to %d", n, limits.MaxEvents)
	}
	events := make([]healthcert.Event, 0, n)
	for i := range n {
		e, err := readEvent(r, int(i))
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

// readEvent reads one event map in two passes: the first finds the type
// (key 0, which the encoder writes first but a decoder does not require
// first), the second reads the fields that type defines.
func readEvent(r *reader, i int) (healthcert.Event, error) {
	what := fmt.Sprintf("event %d", i)
	save := *r
	// Find the type first: it decides the meaning of the other keys.
	var typ int64 = -1
	if err := readMap(r, 2, what, func(key int64) error {
		if key == ekType {
			var err error
			typ, err = r.readInt()
			return err
		}
		return r.skip(3)
	}); err != nil {
		return nil, err
	}
	*r = save
	var common *healthcert.Common
	var ev healthcert.Event
	var f func(key int64) error
	switch typ {
	case 1:
		e := new(healthcert.Vaccination)
		ev, common = e, &e.Common
		f = func(key int64) (err error) {
			switch key {
			case ekVaccine:
				e.VaccineType, err = r.readText()
			case ekProduct:
				e.Product, err = r.readText()
			case ekManufacturer:
				e.Manufacturer, err = r.readText()
			case ekDose:
				e.DoseNumber, err = readCount(r)
			case ekTotal:
				e.TotalDoses, err = readCount(r)
			case ekVaccDate:
				e.Date, err = readDate(r)
			default:
				return errUnknownKey
			}
			return err
		}
	case 2, 4:
		var method, name *string
		var sample *time.Time
		var result *healthcert.TestResult
		if typ == 2 {
			e := new(healthcert.NucleicAcidTest)
			ev, common = e, &e.Common
			method, name, sample, result = &e.Method, &e.Name, &e.SampleTime, &e.Result
		} else {
			e := new(healthcert.AntigenTest)
			ev, common = e, &e.Common
			method, name, sample, result = &e.Device, &e.Name, &e.SampleTime, &e.Result
		}
		f = func(key int64) (err error) {
			switch key {
			case ekTestA:
				*method, err = r.readText()
			case ekTestB:
				*name, err = r.readText()
			case ekTestC:
				*sample, err = readTimeValue(r)
			case ekTestD:
				*result, err = readResult(r)
			default:
				return errUnknownKey
			}
			return err
		}
	case 3:
		e := new(healthcert.AntibodyTest)
		ev, common = e, &e.Common
		f = func(key int64) (err error) {
			switch key {
			case ekTestA:
				var s string
				s, err = r.readText()
				e.Isotype = healthcert.Isotype(s)
			case ekTestB:
				e.Method, err = r.readText()
			case ekTestC:
				e.Device, err = r.readText()
			case ekTestD:
				e.SampleTime, err = readTimeValue(r)
			case ekTestE:
				e.Result, err = readResult(r)
			case ekTestQuanty:
				e.Quantity, err = readQuantity(r, what)
			default:
				return errUnknownKey
			}
			return err
		}
	case 5:
		e := new(healthcert.Recovery)
		ev, common = e, &e.Common
		f = func(key int64) (err error) {
			switch key {
			case ekFirstPositive:
				e.FirstPositive, err = readDate(r)
			case ekValidFrom:
				e.ValidFrom, err = readDate(r)
			case ekValidUntil:
				e.ValidUntil, err = readDate(r)
			default:
				return errUnknownKey
			}
			return err
		}
	case -1:
		return nil, nativeErr("%s: no type (key 0)", what)
	default:
		return nil, nativeErr("%s: unknown type %d", what, typ)
	}
	err := readMap(r, 2, what, func(key int64) (err error) {
		switch key {
		case ekType:
			_, err = r.readInt()
		case ekDisease:
			common.Disease, err = r.readText()
		case ekCountry:
			common.Country, err = r.readText()
		case ekCentre:
			common.Centre, err = r.readText()
		default:
			return f(key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

func readQuantity(r *reader, what string) (*healthcert.Quantity, error) {
	q := new(healthcert.Quantity)
	var haveValue, haveCutOff bool
	err := readMap(r, 3, what+": quantity", func(key int64) (err error) {
		switch key {
		case qkValue:
			haveValue = true
			q.Value, _, err = r.readNumber()
		case qkUnit:
			q.Unit, err = r.readText()
		case qkCutOff:
			haveCutOff = true
			q.CutOff, _, err = r.readNumber()
		default:
			return errUnknownKey
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !haveValue || !haveCutOff {
		return nil, nativeErr("%s: quantity needs a value (1) and a cut-off (3)", what)
	}
	return q, nil
}
