package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/verify"
)

// printResult writes a verification result for a person: the verdict and its
// reason first, then who signed, who the holder is and every event.
func printResult(w io.Writer, r *verify.Result) {
	verdict := "REJECTED"
	if r.Status == verify.StatusVerified {
		verdict = "VERIFIED"
	}
	fmt.Fprintf(w, "%s  status: %s", verdict, r.Status)
	if r.Status != verify.StatusVerified {
		fmt.Fprintf(w, " (stage %s)", r.Stage)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  reason:  %s\n", r.Reason.EN)
	fmt.Fprintf(w, "           %s\n", r.Reason.ZH)
	if r.Detail != "" {
		fmt.Fprintf(w, "  detail:  %s\n", r.Detail)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if s := r.Signer; s != nil {
		fmt.Fprintf(w, "  signer:  %s, kid %s, %s, usage %s\n", orDash(s.Country), s.KID, s.Algorithm, s.Usage)
		if s.Subject != "" {
			fmt.Fprintf(w, "           %s\n", s.Subject)
		}
	}
	if c := r.Certificate; c != nil {
		if r.Status != verify.StatusVerified {
			fmt.Fprintln(w, "  content as decoded, NOT verified — do not rely on it:")
		}
		printCertificate(w, c, r.PayloadKind)
	}
}

// printCertificate writes the holder, certificate data and events.
func printCertificate(w io.Writer, c *healthcert.Certificate, kind string) {
	n := c.Holder.Name
	fmt.Fprintf(w, "  holder:  %s (%s), born %s", displayName(n), n.MRZ(), orDash(c.Holder.DateOfBirth.String()))
	if c.Holder.Sex != "" {
		fmt.Fprintf(w, ", sex %s", c.Holder.Sex)
	}
	fmt.Fprintln(w)
	if d := c.Holder.Document; d != nil {
		fmt.Fprintf(w, "  document: %s %s issued by %s\n", d.Type, d.Number, d.IssuingState)
	}
	fmt.Fprintf(w, "  certificate: %s (%s payload)\n", orDash(c.ID), kind)
	fmt.Fprintf(w, "  issuer:  %s %s; issued %s, expires %s\n", orDash(c.Issuer.Country), c.Issuer.Name, timeString(c.IssuedAt), timeString(c.ExpiresAt))
	for i, e := range c.Events {
		fmt.Fprintf(w, "  event %d: %s\n", i+1, describeEvent(e))
	}
}

// displayName writes a name family name first, as travel documents do:
// "张伟" for Han names, "Müller Jürgen" otherwise.
func displayName(n healthcert.Name) string {
	if isHan(n.Family) && isHan(n.Given) {
		return n.Family + n.Given
	}
	return strings.TrimSpace(n.Family + " " + n.Given)
}

func isHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// describeEvent is a one-line summary of an event.
func describeEvent(e healthcert.Event) string {
	switch e := e.(type) {
	case *healthcert.Vaccination:
		return fmt.Sprintf("vaccination, dose %d of %d, %s, product %s (%s), %s %s", e.DoseNumber, e.TotalDoses, e.Date, e.Product, e.Manufacturer, e.Country, e.Centre)
	case *healthcert.NucleicAcidTest:
		return fmt.Sprintf("nucleic-acid test %s, %s, sampled %s, %s %s", e.Method, e.Result, timeString(e.SampleTime), e.Country, e.Centre)
	case *healthcert.AntibodyTest:
		s := fmt.Sprintf("antibody test %s (%s), %s, sampled %s, %s %s", e.Isotype, e.Method, e.Result, timeString(e.SampleTime), e.Country, e.Centre)
		if q := e.Quantity; q != nil {
			s += fmt.Sprintf(", %g %s (cut-off %g)", q.Value, q.Unit, q.CutOff)
		}
		return s
	case *healthcert.AntigenTest:
		return fmt.Sprintf("antigen test, device %s, %s, sampled %s, %s %s", e.Device, e.Result, timeString(e.SampleTime), e.Country, e.Centre)
	case *healthcert.Recovery:
		return fmt.Sprintf("recovery, first positive %s, valid %s to %s, %s", e.FirstPositive, e.ValidFrom, e.ValidUntil, e.Country)
	}
	return string(e.Type())
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeJSON writes v as indented JSON and a newline, each line after the
// first starting with prefix. Characters such as "<" are written as they
// are: ICAO names are full of them, and the output is not for HTML.
func writeJSON(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	return enc.Encode(v)
}
