package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// runDemo runs "ithc demo": the main job on embedded defaults. A country
// creates its keys, issues a certificate with a nucleic-acid test, an IgM
// antibody test and a vaccination, and a verifier checks it offline; a copy
// whose passport number was altered must be rejected.
func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "ithc demo [--keep DIR]", stderr)
	keep := fs.String("keep", "", "write the keys and the code into DIR instead of a temporary directory removed at the end")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ithc-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	now := time.Now().UTC().Truncate(time.Second)
	d := &demo{out: stdout, now: now}
	return d.run(filepath.Join(dir, "cn-keys"), dir)
}

type demo struct {
	out      io.Writer
	now      time.Time
	expected int
	met      int
}

func (d *demo) run(keyDir, dir string) error {
	fmt.Fprintf(d.out, "1. CN creates its country signing CA and document signer in %s\n", keyDir)
	country, err := trust.GenerateCountry(trust.CountryOptions{Country: "CN", Organisation: "National Health Commission", Now: d.now.Add(-time.Hour)})
	if err != nil {
		return err
	}
	if err := country.WriteDir(keyDir); err != nil {
		return err
	}
	key, err := openKey(filepath.Join(keyDir, trust.FileDSCKey))
	if err != nil {
		return err
	}
	defer key.Close()
	fmt.Fprintf(d.out, "   document signer kid %s, usage %s, valid until %s\n",
		kidString(trust.KID(country.DSC)), trust.UsageFromCertificate(country.DSC), country.DSC.NotAfter.Format("2006-01-02"))

	cert := demoCertificate(d.now)
	text, err := issueCode(cert, key, country.DSC, d.now, 0, false)
	if err != nil {
		return fmt.Errorf("issuing the demo certificate: %w", err)
	}
	codePath := filepath.Join(dir, "zhang-wei.hc1.txt")
	if err := os.WriteFile(codePath, []byte(text+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "2. CN issues certificate %s for %s%s (%s)\n", cert.ID, cert.Holder.Name.Family, cert.Holder.Name.Given, cert.Holder.Name.MRZ())
	fmt.Fprintf(d.out, "   %d events: nucleic-acid test, IgM antibody test, vaccination; QR text of %d characters in %s\n", len(cert.Events), len(text), codePath)
	fmt.Fprintf(d.out, "   %s…\n", text[:60])

	store, err := trust.LoadFiles(filepath.Join(keyDir, trust.FileDSCCert))
	if err != nil {
		return err
	}
	v := verify.New(store, verify.Options{Now: d.now.Add(time.Minute)})

	fmt.Fprintf(d.out, "3. A border verifier holding CN's signer certificate checks the code offline\n")
	d.check(v.Verify(text), verify.StatusVerified)

	tampered, err := alterDocumentNumber(text, "E12345678", "E87654321")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "4. The same code with the passport number changed from E12345678 to E87654321\n")
	d.check(v.Verify(tampered), verify.StatusInvalidSignature)

	fmt.Fprintf(d.out, "demo: %d/%d scenarios as expected\n", d.met, d.expected)
	if d.met != d.expected {
		return &exitError{code: 1, err: errors.New("demo: a scenario did not end as expected")}
	}
	return nil
}

// check prints a result with the expected status and counts it.
func (d *demo) check(r *verify.Result, want verify.Status) {
	d.expected++
	mark := "as expected"
	if r.Status == want {
		d.met++
	} else {
		mark = "NOT AS EXPECTED"
	}
	fmt.Fprintf(d.out, "   expected %s, got %s: %s\n", want, r.Status, mark)
	var b bytes.Buffer
	printResult(&b, r)
	for _, line := range bytes.SplitAfter(b.Bytes(), []byte("\n")) {
		if len(line) > 0 {
			fmt.Fprintf(d.out, "   | %s", line)
		}
	}
}

// alterDocumentNumber returns code with one string of its signed content
// replaced, keeping the original signature: what a forger would try.
func alterDocumentNumber(code, from, to string) (string, error) {
	b45, err := hc1.Unprefix(code)
	if err != nil {
		return "", err
	}
	compressed, err := hc1.DecodeBase45(b45)
	if err != nil {
		return "", err
	}
	cose, err := hc1.Inflate(compressed)
	if err != nil {
		return "", err
	}
	if len(from) != len(to) || bytes.Count(cose, []byte(from)) != 1 {
		return "", fmt.Errorf("demo: %q does not occur once in the code", from)
	}
	return hc1.EncodeCOSE(bytes.Replace(cose, []byte(from), []byte(to), 1))
}

// demoCertificate is the demo traveller: 张伟 with a negative nucleic-acid
// test, a negative IgM antibody test and a vaccination.
func demoCertificate(now time.Time) *healthcert.Certificate {
	day := 24 * time.Hour
	sample := now.Add(-30 * time.Hour).Truncate(time.Minute)
	return &healthcert.Certificate{
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  now,
		ExpiresAt: now.Add(30 * day),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing Center for Disease Prevention and Control"},
				Method:     "LP6464-4",
				SampleTime: sample,
				Result:     healthcert.ResultNegative,
			},
			&healthcert.AntibodyTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing Center for Disease Prevention and Control"},
				Isotype:    healthcert.IgM,
				Method:     "CLIA",
				SampleTime: sample,
				Result:     healthcert.ResultNegative,
				Quantity:   &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1},
			},
			&healthcert.Vaccination{
				Common:       healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Chaoyang District Vaccination Clinic"},
				VaccineType:  "J07BX03",
				Product:      "BBIBP-CorV",
				Manufacturer: "ORG-100020693",
				DoseNumber:   2,
				TotalDoses:   2,
				Date:         healthcert.DateOf(now.Add(-90 * day)),
			},
		},
	}
}
