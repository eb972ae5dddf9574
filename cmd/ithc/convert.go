package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/convert"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
)

const convertSynopsis = "ithc convert --to dcc|shc|vdsnc|json [--key KEY --cert CERT | --key KEY --issuer URL] [--out DIR] [--json] [FILE|-]"

const convertHelp = `Converts a native certificate (JSON, as "ithc issue" reads it) for another
system: --to dcc signs an EU DCC per event, --to shc one SMART Health Card,
--to vdsnc an ICAO seal for the vaccinations and one per test, --to json
prints the native JSON. Events a format cannot carry (a serology test in a
DCC, a recovery in a card or a seal) are left out with a warning; what the
outputs do not carry of the rest is listed as notes. Codes go to standard
output, one per line, or with --out DIR to files.

Examples:
    ithc convert --to dcc --key cn-keys/dsc.key --cert cn-keys/dsc.pem cert.json
    ithc convert --to shc --key shc.key --issuer https://health.example.cn/shc --jwks jwks.json cert.json
    ithc convert --to vdsnc --key seal.key --cert seal.pem --out seals/ cert.json
`

// runConvert runs "ithc convert": a native certificate in, the codes of
// another format out.
func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("convert", convertSynopsis, stderr)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(stderr, "\n"+convertHelp) }
	to := fs.String("to", "", "target format: dcc, shc, vdsnc or json (required)")
	keyRef := fs.String("key", "", "signing key: a PKCS#8 PEM file (mode 0600; encrypted ones read ITHC_KEY_PASSPHRASE) or a pkcs11: reference (dcc, shc, vdsnc)")
	certPath := fs.String("cert", "", "document signer certificate, PEM (dcc, vdsnc)")
	issuer := fs.String("issuer", "", "SMART Health Card issuer url, the https base of its /.well-known/jwks.json (shc)")
	jwksPath := fs.String("jwks", "", "also write the issuer's JWK set for --key to this file, to publish at ISSUER/.well-known/jwks.json (shc)")
	outDir := fs.String("out", "", "write each output to a file in this directory (created if needed) and print the file names")
	validFor := fs.Duration("valid-for", 365*24*time.Hour, "validity when the certificate has no expires_at")
	now := fs.String("now", "", "issue time when the certificate has no issued_at (RFC 3339; default: now)")
	asJSON := fs.Bool("json", false, "print the conversion (outputs, the events of each, notes, skipped events) as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *to == "" {
		return withHint(usageError("--to is required"), "choose the format the destination reads: --to dcc, shc, vdsnc or json")
	}
	format, err := convert.ParseFormat(*to)
	if err != nil {
		return usageError("--to: %v", strings.TrimPrefix(err.Error(), "convert: "))
	}
	if len(pos) > 1 {
		return usageError("expected at most one certificate file")
	}
	opts := convert.Options{ValidFor: *validFor, Issuer: *issuer}
	if *now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	switch format {
	case convert.DCC, convert.VDSNC:
		if *keyRef == "" || *certPath == "" {
			return usageError("--to %s needs --key and --cert (the document signer)", format)
		}
	case convert.SHC:
		if *keyRef == "" || *issuer == "" {
			return usageError("--to shc needs --key (a P-256 key) and --issuer (the issuer url)")
		}
	}
	if *jwksPath != "" && format != convert.SHC {
		return usageError("--jwks is for --to shc")
	}
	if *certPath != "" && (format == convert.SHC || format == convert.JSON) || *keyRef != "" && format == convert.JSON ||
		*issuer != "" && format != convert.SHC {
		return usageError("--to %s takes %s", format, map[convert.Format]string{convert.DCC: "--key and --cert", convert.VDSNC: "--key and --cert",
			convert.SHC: "--key and --issuer (a card names its issuer by url, not by certificate)", convert.JSON: "no key"}[format])
	}
	cert, err := readCertificateJSON(pos, stdin)
	if err != nil {
		return err
	}
	if *keyRef != "" && format != convert.JSON {
		key, err := openKey(*keyRef)
		if err != nil {
			return err
		}
		defer key.Close()
		opts.Key = key
	}
	if *certPath != "" && format != convert.JSON && format != convert.SHC {
		if opts.Certificate, err = readSignerCertificate(*certPath); err != nil {
			return err
		}
	}
	res, err := convert.Convert(cert, format, opts)
	if err != nil {
		return err
	}
	if *jwksPath != "" {
		jwks, err := convert.IssuerJWKS(opts.Key.Public())
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jwksPath, append(jwks, '\n'), 0o644); err != nil {
			return err
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "ithc: warning: event %d (%s) is not converted: %s\n", s.Event+1, s.Type, s.Reason)
	}
	for k, o := range res.Outputs {
		for _, n := range o.Notes {
			fmt.Fprintf(stderr, "ithc: note: output %d (%s, %s): %s\n", k+1, o.Kind, eventList(o.Events), n)
		}
	}
	if *outDir != "" {
		files, err := writeOutputs(*outDir, res)
		if err != nil {
			return err
		}
		if !*asJSON {
			for _, f := range files {
				fmt.Fprintln(stdout, f)
			}
		}
	}
	if *asJSON {
		return writeJSON(stdout, res, "")
	}
	if *outDir != "" {
		return nil
	}
	for _, o := range res.Outputs {
		text, err := outputText(o)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, text)
	}
	return nil
}

// readCertificateJSON reads the certificate from a file or standard input.
func readCertificateJSON(pos []string, stdin io.Reader) (*healthcert.Certificate, error) {
	var data []byte
	var err error
	if len(pos) == 0 || pos[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, limits.MaxJSONInput+1))
		if err == nil && len(data) > limits.MaxJSONInput {
			err = fmt.Errorf("standard input is larger than %d bytes", limits.MaxJSONInput)
		}
	} else {
		data, err = limits.ReadFile(pos[0], limits.MaxJSONInput)
	}
	if err != nil {
		return nil, err
	}
	return healthcert.ParseJSON(data)
}

// readSignerCertificate reads the one certificate of a PEM file.
func readSignerCertificate(path string) (*x509.Certificate, error) {
	data, err := limits.ReadFile(path, limits.MaxCertificatePEM)
	if err != nil {
		return nil, err
	}
	certs, err := trust.LoadPEM(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s holds %d certificates; give the one document signer certificate", path, len(certs))
	}
	return certs[0], nil
}

// eventList names events for a person: "events 1, 3".
func eventList(events []int) string {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = fmt.Sprint(e + 1)
	}
	if len(s) == 1 {
		return "event " + s[0]
	}
	return "events " + strings.Join(s, ", ")
}

// outputText is what standard output shows of an output: its QR text (a
// seal as it goes into the QR code), a card too long for one QR code as a
// .smart-health-card file, the native JSON indented.
func outputText(o convert.Output) (string, error) {
	switch {
	case o.Kind == string(convert.JSON):
		var b bytes.Buffer
		if err := json.Indent(&b, []byte(o.Text), "", "  "); err != nil {
			return "", err
		}
		return b.String(), nil
	case o.QR != "":
		return o.QR, nil
	case o.Kind == string(convert.SHC):
		file, err := shc.MarshalFile(o.Text)
		return string(file), err
	}
	return o.Text, nil
}

// writeOutputs writes each output to its file in dir: N-dcc.txt (the HC1
// code), N-shc.txt (the card's QR text, when it fits one) and
// N.smart-health-card, N-icao.vacc.json or N-icao.test.json (the seal),
// certificate.json. It returns the paths.
func writeOutputs(dir string, res *convert.Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	write := func(name, text string) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text+"\n"), 0o644); err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	}
	for k, o := range res.Outputs {
		n := k + 1
		var err error
		switch o.Kind {
		case string(convert.JSON):
			var text string
			if text, err = outputText(o); err == nil {
				err = write("certificate.json", text)
			}
		case string(convert.SHC):
			if o.QR != "" {
				err = write(fmt.Sprintf("%d-shc.txt", n), o.QR)
			}
			if err == nil {
				var file []byte
				if file, err = shc.MarshalFile(o.Text); err == nil {
					err = write(fmt.Sprintf("%d.smart-health-card", n), string(file))
				}
			}
		case string(convert.DCC):
			err = write(fmt.Sprintf("%d-dcc.txt", n), o.Text)
		default: // seals
			err = write(fmt.Sprintf("%d-%s.json", n, o.Kind), o.Text)
		}
		if err != nil {
			return nil, err
		}
	}
	return paths, nil
}
