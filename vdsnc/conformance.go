package vdsnc

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// DirOptions configure CheckDir. The zero value checks each seal with the
// certificate it carries, at the earliest time it can verify.
type DirOptions struct {
	// Anchors are the trusted CSCAs; nil checks each seal with the
	// certificate it carries, without a chain (Options.SkipChainUnsafe),
	// as sample folders need: the CSCAs of the samples are not public.
	Anchors Anchors
	// Now is the verification time of every seal. Zero checks each seal
	// at the earliest time it can verify, since a seal carries no signing
	// time and a folder gathers seals of several years: the start of its
	// signer certificate's validity, or a test seal's report time when
	// later (but not after the signer's expiry).
	Now time.Time
	// ClockSkew and RequireExtensions are those of Options.
	ClockSkew         time.Duration
	RequireExtensions bool
}

// DirReport is the outcome of CheckDir. It marshals to JSON.
type DirReport struct {
	Dir string `json:"dir"`
	// ChainChecked reports whether the seals were chained to CSCAs.
	ChainChecked bool         `json:"chain_checked"`
	Seals        []SealReport `json:"seals"`
	Verified     int          `json:"verified"`
	Total        int          `json:"total"`
}

// SealReport is the result of one seal file.
type SealReport struct {
	File         string `json:"file"`
	Status       Status `json:"status"`
	Stage        Stage  `json:"stage"`
	Detail       string `json:"detail,omitempty"`
	Type         string `json:"type,omitempty"`
	IssuingState string `json:"issuing_state,omitempty"`
	// Signer is the subject of the signer certificate.
	Signer string `json:"signer,omitempty"`
	// SignerNotAfter is the end of the signer certificate's validity.
	SignerNotAfter time.Time `json:"signer_not_after,omitzero"`
	// CheckedAt is the verification time used.
	CheckedAt time.Time `json:"checked_at"`
	Warnings  []string  `json:"warnings,omitempty"`
}

// CheckDir verifies every *.json file of dir (not its subdirectories) as
// a seal, in name order. A file that cannot be read or is no seal is a
// seal that does not verify; a folder without *.json file, or with more
// than limits.MaxConformanceSeals, is an error.
func CheckDir(dir string, opts DirOptions) (*DirReport, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("vdsnc: %s: %v", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("vdsnc: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("vdsnc: no *.json seal in %s", dir)
	}
	if len(files) > limits.MaxConformanceSeals {
		return nil, fmt.Errorf("vdsnc: %d seal files in %s, more than %d", len(files), dir, limits.MaxConformanceSeals)
	}
	sort.Strings(files)
	rep := &DirReport{Dir: dir, ChainChecked: opts.Anchors != nil, Total: len(files)}
	for _, f := range files {
		sr := SealReport{File: filepath.Base(f)}
		text, err := limits.ReadFile(f, limits.MaxSeal)
		if err != nil {
			sr.Status, sr.Stage, sr.Detail = StatusInvalidEncoding, StageJSON, err.Error()
			rep.Seals = append(rep.Seals, sr)
			continue
		}
		now := opts.Now
		if now.IsZero() {
			now = earliest(text)
		}
		r := Verify(text, opts.Anchors, Options{Now: now, ClockSkew: opts.ClockSkew,
			RequireExtensions: opts.RequireExtensions, SkipChainUnsafe: opts.Anchors == nil})
		sr.Status, sr.Stage, sr.Detail = r.Status, r.Stage, r.Detail
		sr.Type, sr.IssuingState, sr.CheckedAt, sr.Warnings = r.Type, r.IssuingState, now.UTC(), r.Warnings
		if r.Signer != nil {
			sr.Signer, sr.SignerNotAfter = r.Signer.Subject.String(), r.Signer.NotAfter.UTC()
		}
		if r.Status == StatusVerified {
			rep.Verified++
		}
		rep.Seals = append(rep.Seals, sr)
	}
	return rep, nil
}

// earliest returns the earliest time a seal can verify (see
// DirOptions.Now), or the current time when the seal cannot be read that
// far.
func earliest(text []byte) time.Time {
	env, err := parseEnvelope(text)
	if err != nil {
		return time.Now()
	}
	cert, err := x509.ParseCertificate(env.seal.Signature.Certificate)
	if err != nil {
		return time.Now()
	}
	t := cert.NotBefore
	c := Content{Header: env.seal.Header}
	if decodeMessage(env.msg, &c) == nil && c.Test != nil && c.Test.ReportTime.After(t) {
		t = c.Test.ReportTime
	}
	if t.After(cert.NotAfter) {
		t = cert.NotAfter
	}
	return t
}

// WriteText writes the report for a terminal: one line per seal (its
// warnings indented below), then the summary line
// "vdsnc: N/M seals verified".
func (r *DirReport) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, s := range r.Seals {
		if s.Status == StatusVerified {
			fmt.Fprintf(&b, "ok    %s  %s %s  signer %s  checked at %s\n", s.File, s.Type, s.IssuingState, s.Signer, s.CheckedAt.Format(time.RFC3339))
		} else {
			fmt.Fprintf(&b, "FAIL  %s  %s at %s: %s\n", s.File, s.Status, s.Stage, s.Detail)
		}
		for _, warn := range s.Warnings {
			if !r.ChainChecked && strings.Contains(warn, "SkipChainUnsafe") {
				continue // said once below
			}
			fmt.Fprintf(&b, "      warning: %s\n", warn)
		}
	}
	if !r.ChainChecked {
		b.WriteString("note: no CSCA given: each signature was checked with the certificate its seal carries, not chained to a CSCA\n")
	}
	fmt.Fprintf(&b, "vdsnc: %d/%d seals verified\n", r.Verified, r.Total)
	_, err := io.WriteString(w, b.String())
	return err
}
