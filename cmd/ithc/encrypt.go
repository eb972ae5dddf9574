package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// Encrypted codes (docs/format.md §8): "ithc enckey" manages a country's
// recipient keys; "ithc issue --encrypt-for" and "ithc verify
// --decrypt-key" use them (the helpers below).

const enckeySynopsis = `ithc enckey generate --country CC --key FILE [--curve P-256|X25519] [--not-before TIME] [--valid-for DURATION] [--out FILE]
    ithc enckey upload|delete --gateway URL --tls-cert F --tls-key KEY --upload-cert F --upload-key KEY [--ca F] RECORD.json
    ithc enckey list --keys DIR|FILE [--now TIME] [--json]`

const enckeyUsage = `ithc enckey: a country's recipient keys for encrypted codes.

Usage:
    ` + enckeySynopsis + `

generate makes the private key (a PKCS#8 file of mode 0600, never
overwritten; encrypted with ITHC_KEY_PASSPHRASE when set) and prints the
public key record to publish. upload publishes the record through the
gateway, signed by the country's upload certificate; delete withdraws it.
list shows the recipient keys of a synced trust directory or a key file.

Rotation: generate the next key with --not-before ahead of time and upload
it while the current key is still valid; issuers encrypt for the newest
valid key; verifiers keep every private key until the codes encrypted for
it have expired (ithc verify --decrypt-key takes several).

Examples:
    ithc enckey generate --country XB --key xb-enc.key --out xb-enc.json
    ithc enckey upload --gateway https://gw:8443 --ca gw/anchor.pem --tls-cert xb/tls.pem --tls-key xb/tls.key \
        --upload-cert xb/upload.pem --upload-key xb/upload.key xb-enc.json
    ithc issue --key xa/dsc.key --cert xa/dsc.pem --encrypt-for XB,XC --recipient-keys trust/ cert.json
    ithc verify --trust trust/ --decrypt-key xb-enc.key @code.txt
`

// runEncKey runs "ithc enckey".
func runEncKey(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, enckeyUsage)
		if len(args) == 0 {
			return usageError("usage: %s", enckeySynopsis)
		}
		return nil
	}
	switch args[0] {
	case "generate":
		return enckeyGenerate(args[1:], stdout, stderr)
	case "upload", "delete":
		return enckeyPublish(args[0], args[1:], stdout, stderr)
	case "list":
		return enckeyList(args[1:], stdout, stderr)
	}
	return withHint(usageError("unknown enckey command %q", args[0]), "run \"ithc enckey help\"")
}

func enckeyGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enckey generate", enckeySynopsis, stderr)
	country := fs.String("country", "", "ISO 3166-1 alpha-2 code of the recipient country (required)")
	keyPath := fs.String("key", "", "file for the new private key (required; never overwritten)")
	curve := fs.String("curve", keys.CurveP256, "P-256 (HPKE-0-KE) or X25519 (HPKE-3-KE, 50 QR characters shorter per recipient)")
	notBefore := fs.String("not-before", "", "start of the key's validity, RFC 3339 (default: now)")
	validFor := fs.Duration("valid-for", 365*24*time.Hour, "length of the key's validity")
	out := fs.String("out", "", "file for the public key record (default: standard output)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *country == "" || *keyPath == "" {
		return usageError("usage: %s", enckeySynopsis)
	}
	cc := strings.ToUpper(*country)
	nb := time.Now().UTC().Truncate(time.Second)
	if *notBefore != "" {
		if nb, err = time.Parse(time.RFC3339, *notBefore); err != nil {
			return usageError("--not-before: %v", err)
		}
	}
	if *curve != keys.CurveP256 && *curve != keys.CurveX25519 {
		return usageError("--curve %q: want %s or %s", *curve, keys.CurveP256, keys.CurveX25519)
	}
	if *validFor <= 0 || *validFor > limits.MaxEncryptionKeyValidity*24*time.Hour {
		return usageError("--valid-for %s: want more than 0 and at most %d days", *validFor, limits.MaxEncryptionKeyValidity)
	}
	// Check the record before the key file exists.
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return usageError("--country %q is not an ISO 3166-1 alpha-2 code", *country)
	}
	k, err := keys.GenerateECDH(*keyPath, *curve, keys.Options{Passphrase: keys.PassphraseFromEnv()})
	if err != nil {
		return withHint(err, "choose another --key file")
	}
	defer k.Close()
	rec, err := envelope.NewKeyRecord(cc, k.PublicKey(), nb, nb.Add(*validFor))
	if err != nil {
		return err
	}
	data := append(rec.Marshal(), '\n')
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ithc: recipient key %s of %s (%s) valid %s to %s; private key in %s\n", envelope.KIDString(rec.KID), rec.Country,
		rec.Alg, rec.NotBefore.Format(time.RFC3339), rec.NotAfter.Format(time.RFC3339), *keyPath)
	return nil
}

func enckeyPublish(verb string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enckey "+verb, enckeySynopsis, stderr)
	gw := gatewayFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", enckeySynopsis)
	}
	data, err := limits.ReadFile(pos[0], limits.MaxEncryptionKeyRecord)
	if err != nil {
		return err
	}
	data = []byte(strings.TrimSpace(string(data)))
	rec, err := envelope.ParseKeyRecord(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	c, _, closeKey, err := gw.client("enckey " + verb)
	if err != nil {
		return err
	}
	defer closeKey()
	op := c.UploadEncryptionKey
	if verb == "delete" {
		op = c.DeleteEncryptionKey
	}
	w, err := op(context.Background(), data)
	if err != nil {
		return err
	}
	done := "uploaded"
	if w.Deleted {
		done = "deleted"
	}
	fmt.Fprintf(stdout, "%s encryption key %s of %s (gateway version %d)\n", done, envelope.KIDString(rec.KID), w.Country, w.Seq)
	return nil
}

func enckeyList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enckey list", enckeySynopsis, stderr)
	path := fs.String("keys", "", "a trust directory kept by \"ithc trust sync\", or a file of key records (required)")
	now := fs.String("now", "", "time at which to mark the keys issuers would choose, RFC 3339 (default: now)")
	asJSON := fs.Bool("json", false, "print the records as a JSON array")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *path == "" {
		return usageError("usage: %s", enckeySynopsis)
	}
	at := time.Now()
	if *now != "" {
		if at, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	ring, err := loadRecipientKeys(*path, stderr)
	if err != nil {
		return err
	}
	records := ring.Records()
	if *asJSON {
		if records == nil {
			records = []*envelope.KeyRecord{}
		}
		return writeJSON(stdout, records, "")
	}
	if len(records) == 0 {
		fmt.Fprintln(stdout, "no recipient keys")
		return nil
	}
	for _, r := range records {
		mark := " "
		if sel, err := ring.Select(r.Country, at); err == nil && sel == r {
			mark = "*"
		} else if !r.ValidAt(at) {
			mark = "-"
		}
		fmt.Fprintf(stdout, "%s %s  kid %s  %s  valid %s to %s\n", mark, r.Country, envelope.KIDString(r.KID), r.Alg,
			r.NotBefore.UTC().Format(time.RFC3339), r.NotAfter.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(stdout, "(* the key issuers choose now; - not valid now)")
	return nil
}

// loadRecipientKeys reads recipient keys from a synced trust directory
// (checked against its anchor; entries left out are reported on stderr)
// or from a file of key records.
func loadRecipientKeys(path string, stderr io.Writer) (*envelope.KeyRing, error) {
	if trust.IsSyncedDir(path) {
		ring, problems, err := envelope.LoadSyncedKeys(path)
		if err != nil {
			return nil, err
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "ithc: warning: left out %s\n", p)
		}
		return ring, nil
	}
	data, err := limits.ReadFile(path, limits.MaxRecipientKeyFile)
	if err != nil {
		return nil, err
	}
	ring, err := envelope.ParseKeyRecords(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ring, nil
}

// encryptCode encrypts a signed code for the countries of encryptFor
// ("CC,CC,..."), with the keys each published that are the newest valid at
// now, read from keysPaths (see loadRecipientKeys).
func encryptCode(text, encryptFor string, keysPaths []string, now time.Time, stderr io.Writer) (string, error) {
	if len(keysPaths) == 0 {
		return "", withHint(usageError("--encrypt-for needs the recipients' keys: --recipient-keys DIR|FILE"),
			"give the trust directory kept by \"ithc trust sync\", which holds every country's published keys")
	}
	ring := &envelope.KeyRing{}
	for _, p := range keysPaths {
		r, err := loadRecipientKeys(p, stderr)
		if err != nil {
			return "", err
		}
		ring.Add(r.Records()...)
	}
	rs, err := ring.Recipients(strings.Split(encryptFor, ","), now)
	if err != nil {
		return "", withHint(err, "sync the trust list again, or ask the country to publish a key (ithc enckey)")
	}
	return envelope.Seal(text, rs, envelope.SealOptions{})
}

// openDecrypter opens the private keys of --decrypt-key and returns the
// Decrypter of ithc verify; the countries of other keys are named from
// the synced trust directories among trustPaths. close releases the keys.
func openDecrypter(refs, trustPaths []string, stderr io.Writer) (d verify.Decrypter, close func(), err error) {
	close = func() {}
	if len(refs) == 0 {
		return nil, close, nil
	}
	known := &envelope.KeyRing{}
	for _, p := range trustPaths {
		if trust.IsSyncedDir(p) {
			if ring, _, err := envelope.LoadSyncedKeys(p); err == nil {
				known.Add(ring.Records()...)
			}
		}
	}
	var opened []keys.ECDHKey
	close = func() {
		for _, k := range opened {
			k.Close()
		}
	}
	var oks []envelope.OpenKey
	for _, ref := range refs {
		k, err := keys.OpenECDH(ref, keys.Options{Passphrase: keys.PassphraseFromEnv()})
		if err != nil {
			close()
			return nil, func() {}, fmt.Errorf("--decrypt-key: %w", err)
		}
		opened = append(opened, k)
		ok := envelope.OpenKey{Key: k}
		if kid, err := envelope.KeyID(k.PublicKey()); err == nil {
			if r := known.Lookup(kid); r != nil {
				ok.Country = r.Country
			}
		}
		oks = append(oks, ok)
	}
	o, err := envelope.NewOpener(oks, known)
	if err != nil {
		close()
		return nil, func() {}, err
	}
	return o, close, nil
}

// printEncryption adds the encrypted layer of a result to its text form.
func printEncryption(w io.Writer, r *verify.Result) {
	if e := r.Encryption; e != nil {
		fmt.Fprintf(w, "  encrypted for: %s (opened with kid %s)\n", strings.Join(e.Recipients, ", "), e.KID)
	}
}
