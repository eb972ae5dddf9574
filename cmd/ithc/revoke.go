package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

const revokeSynopsis = `ithc revoke --gateway URL --tls-cert F --tls-key KEY --upload-cert F --upload-key KEY [--ca F]
            (--signer DSC.pem | --kid B64 | --codes) [--type uci|countrycodeuci|signature] [--hashes]
            [--file FILE] [--days N | --expires TIME] [--reason TEXT] [--id ID] [--json] [ITEM...]
       ithc revoke ... --shc-issuer ISS (--kid THUMBPRINT [RID[.TIME]...] | --shc-crl crl/KID.json) [--days N] [--reason TEXT] [--id ID]
       ithc revoke delete --gateway URL --tls-cert F --tls-key KEY --upload-cert F --upload-key KEY [--ca F] BATCH-ID...

Revoke single certificates: build revocation batches of the items (one per
line of --file and one per argument), sign them with the country's upload
certificate and send them to the gateway. An item is a certificate
identifier (UCI), or with --hashes a 32-digit hex entry, or with --codes a
signed code (HC1:...) whose identifiers, signature and signer it reads.

SMART Health Cards of your country's issuer ISS (its iss URL) are revoked
by rid: items are rids of the key --kid (its RFC 7638 thumbprint), each
"rid" (every card) or "rid.TIME" (the cards issued before TIME, in seconds
since 1970), or --shc-crl imports the issuer's revocation list of one key.
One batch is made per TIME. The first country naming an issuer keeps it.

Examples:
    ithc revoke --gateway https://gw:8443 --ca anchor.pem --tls-cert cn/tls.pem --tls-key cn/tls.key \
        --upload-cert cn/upload.pem --upload-key cn/upload.key --signer cn/dsc.pem \
        --reason "issued in error" URN:UVCI:01:CN:ABC123#X
    ithc revoke ... --codes --type signature --file forged-codes.txt
    ithc revoke ... --shc-issuer https://shc.health.example.cn --kid 3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s \
        --reason "issued in error" vwAjHdarZuc FKDIxsTCGlU.1687450765
    ithc revoke ... --shc-issuer https://shc.health.example.cn --shc-crl issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json
    ithc revoke delete ... cn-20260301-1a2b3c`

// runRevoke runs "ithc revoke" (country side).
func runRevoke(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	del := len(args) > 0 && args[0] == "delete"
	if del {
		args = args[1:]
	}
	fs := newFlagSet("revoke", revokeSynopsis, stderr)
	gw := gatewayFlags(fs)
	signer := fs.String("signer", "", "the document signer certificate whose certificates are revoked")
	kid := fs.String("kid", "", "the signer's key identifier in standard base64, instead of --signer; with --shc-issuer the SMART key's thumbprint")
	shcIssuer := fs.String("shc-issuer", "", "revoke SMART Health Cards of this issuer (iss URL) by rid")
	shcCRL := fs.String("shc-crl", "", "with --shc-issuer: import this revocation list (crl/KID.json) of the issuer")
	codes := fs.Bool("codes", false, "items are signed codes: revoke them by their identifiers (or signature), grouped by their signer")
	typ := fs.String("type", "uci", "hash type: uci, countrycodeuci or signature (signature needs --codes or --hashes)")
	hashes := fs.Bool("hashes", false, "items are entries already hashed: 32 hex digits (SHA-256 truncated to 128 bits)")
	file := fs.String("file", "", "read items from FILE, one per line (\"-\": standard input)")
	days := fs.Int("days", 365, "the batch expires after N days (after the revoked certificates expire)")
	expires := fs.String("expires", "", "the batch expires at this time (RFC 3339), instead of --days")
	reason := fs.String("reason", "", "the reason shown to verifying officers")
	id := fs.String("id", "", "batch identifier (default: CC-YYYYMMDD-random); several batches get -1, -2, ...")
	asJSON := fs.Bool("json", false, "print JSON lines")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c, country, closeKey, err := gw.client("revoke")
	if err != nil {
		return err
	}
	defer closeKey()
	ctx := context.Background()
	say := func(verb string, w *client.Written, extra string) error {
		if *asJSON {
			return writeJSON(stdout, map[string]any{"action": verb, "id": w.ID, "country": w.Country, "seq": w.Seq, "detail": extra}, "")
		}
		_, err := fmt.Fprintf(stdout, "%s revocation batch %s of %s%s (gateway version %d)\n", verb, w.ID, w.Country, extra, w.Seq)
		return err
	}
	if del {
		if len(pos) == 0 {
			return usageError("usage: ithc revoke delete ... BATCH-ID...")
		}
		for _, id := range pos {
			w, err := c.DeleteRevocation(ctx, country, id)
			if err != nil {
				return err
			}
			if err := say("deleted", w, ""); err != nil {
				return err
			}
		}
		return nil
	}

	t, err := revocation.ParseHashType(*typ)
	if err != nil {
		return usageError("--type: %v", err)
	}
	items := pos
	if *file != "" {
		more, err := readItems(*file, stdin)
		if err != nil {
			return err
		}
		items = append(items, more...)
	}
	if len(items) == 0 && *shcCRL == "" {
		return withHint(usageError("nothing to revoke"), "give identifiers as arguments or --file FILE")
	}
	now := time.Now().UTC()
	h := revocation.Header{Country: country, HashType: t.String(), Created: now, Expires: now.AddDate(0, 0, *days), Reason: *reason}
	if *expires != "" {
		if h.Expires, err = time.Parse(time.RFC3339, *expires); err != nil {
			return usageError("--expires: %v", err)
		}
	}
	if *id == "" {
		var r [4]byte
		rand.Read(r[:])
		*id = fmt.Sprintf("%s-%s-%x", country, now.Format("20060102"), r)
	}
	if *shcIssuer != "" || *shcCRL != "" {
		if *shcIssuer == "" {
			return withHint(usageError("--shc-crl needs --shc-issuer"), "a SMART revocation list names the key, not its issuer")
		}
		l, err := shcList(*kid, *shcCRL, items)
		if err != nil {
			return err
		}
		h.ID, h.Iss = *id, *shcIssuer
		batches, err := revocation.SHCBatches(h, l)
		if err != nil {
			return err
		}
		for _, b := range batches {
			w, err := c.UploadRevocation(ctx, b)
			if err != nil {
				return err
			}
			extra := fmt.Sprintf(": %d SMART rids of %s key %s", len(b.Entries), b.Iss, b.KID)
			if !b.RevokedBefore.IsZero() {
				extra += ", cards issued before " + b.RevokedBefore.Format(time.RFC3339)
			}
			if err := say("uploaded", w, extra+", expires "+b.Expires.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		return nil
	}
	// Entries by signer kid (base64).
	byKID := map[string][]revocation.Hash{}
	var kids []string
	add := func(k string, e revocation.Hash) {
		if _, ok := byKID[k]; !ok {
			kids = append(kids, k)
		}
		byKID[k] = append(byKID[k], e)
	}
	switch {
	case *codes:
		for i, text := range items {
			code, err := hc1.Parse(text)
			if err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			k := base64.StdEncoding.EncodeToString(code.KID)
			entries, err := codeEntries(code, t, country)
			if err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			for _, e := range entries {
				add(k, e)
			}
		}
	default:
		k := *kid
		if *signer != "" {
			cert, err := gateway.LoadCertificate(*signer)
			if err != nil {
				return err
			}
			k = base64.StdEncoding.EncodeToString(trust.KID(cert))
		}
		if k == "" {
			return withHint(usageError("no signer: --signer DSC.pem or --kid is required (or --codes)"), "a batch revokes certificates of one document signer of your country")
		}
		for i, item := range items {
			var e revocation.Hash
			switch {
			case *hashes:
				b, err := hex.DecodeString(item)
				if err != nil || len(b) != 16 {
					return fmt.Errorf("item %d: %q is not 32 hex digits", i+1, item)
				}
				e = revocation.Hash(b)
			case t == revocation.HashUCI:
				e = revocation.HashOfUCI(item)
			case t == revocation.HashCountryCodeUCI:
				e = revocation.HashOfCountryUCI(country, item)
			default:
				return withHint(usageError("--type signature needs --codes or --hashes"), "a signature is read from the code itself")
			}
			add(k, e)
		}
	}
	n := 0
	for _, k := range kids {
		hh := h
		hh.KID = k
		hh.ID = *id
		if len(kids) > 1 {
			hh.ID = fmt.Sprintf("%s-k%d", *id, n+1)
		}
		n++
		batches, err := revocation.Split(hh, byKID[k])
		if err != nil {
			return err
		}
		for _, b := range batches {
			w, err := c.UploadRevocation(ctx, b)
			if err != nil {
				return err
			}
			if err := say("uploaded", w, fmt.Sprintf(": %d %s entries of kid %s, expires %s", len(b.Entries), b.HashType, b.KID, b.Expires.Format(time.RFC3339))); err != nil {
				return err
			}
		}
	}
	return nil
}

// shcList returns the SMART revocation list to revoke: the list in file
// crl, or the items ("rid" or "rid.TIME") of key kid.
func shcList(kid, crl string, items []string) (*revocation.SHCList, error) {
	if crl != "" {
		if len(items) > 0 || kid != "" {
			return nil, usageError("--shc-crl names the key and its rids: give no --kid and no items")
		}
		data, err := limits.ReadFile(crl, limits.MaxSHCFile)
		if err != nil {
			return nil, err
		}
		l, err := revocation.ParseSHCList(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", crl, err)
		}
		if len(l.Revoked) == 0 {
			return nil, fmt.Errorf("%s: the list revokes nothing", crl)
		}
		return l, nil
	}
	if kid == "" {
		return nil, withHint(usageError("--shc-issuer needs --kid, the thumbprint of the key that signed the cards"), "it is the kid of the cards' JWS header and of the issuer's crl/KID.json")
	}
	l := &revocation.SHCList{KID: kid}
	seen := map[string]bool{}
	for i, item := range items {
		e, err := revocation.ParseSHCRevoked(item)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if seen[e.RID] {
			return nil, fmt.Errorf("item %d: rid %s is given twice", i+1, e.RID)
		}
		seen[e.RID] = true
		l.Revoked = append(l.Revoked, e)
	}
	return l, nil
}

// codeEntries returns the entries of type t naming a parsed code.
func codeEntries(code *hc1.Code, t revocation.HashType, country string) ([]revocation.Hash, error) {
	if t == revocation.HashSignature {
		return []revocation.Hash{revocation.HashOfSignature(code.Signature, code.Alg == hc1.ES256 || code.Alg == hc1.ES384)}, nil
	}
	var out []revocation.Hash
	for _, u := range verify.CertificateIdentifiers(code) {
		if u == "" {
			continue
		}
		if t == revocation.HashUCI {
			out = append(out, revocation.HashOfUCI(u))
		} else {
			out = append(out, revocation.HashOfCountryUCI(country, u))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the code has no certificate identifier")
	}
	return out, nil
}

// readItems reads non-empty, non-comment lines of a file.
func readItems(path string, stdin io.Reader) ([]string, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(io.LimitReader(r, limits.MaxRevocationInput))
	sc.Buffer(make([]byte, 0, 64<<10), limits.MaxQRText+1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

const revocationSynopsis = `ithc revocation sync --gateway URL --anchor FILE --dir DIR [--ca FILE] [--full] [--json]
       ithc revocation inspect --dir DIR [--json]
       ithc revocation export-shc --dir DIR --iss ISS --kid THUMBPRINT [--ctr N] [--out DIR]

Keep a verified offline copy of the gateway's revocation batches in
DIR/revocation, beside the trust list "ithc trust sync" keeps in DIR (sync
that first: its upload certificates authenticate the batches). ithc verify
--trust DIR then reports revoked certificates as "revoked".

export-shc writes the SMART Health Card revocation list of one issuer key
that the copy holds (crl/KID.json, for a SMART verifier or the issuer's
site): its ctr is --ctr, or the copy's version, which only grows; the
key's crlVersion in the issuer's jwks.json must announce it.`

// runRevocation runs "ithc revocation sync|inspect" (verifier side).
func runRevocation(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "sync" && args[0] != "inspect" && args[0] != "export-shc") {
		return usageError("usage: %s", revocationSynopsis)
	}
	if args[0] == "export-shc" {
		return runRevocationExportSHC(args[1:], stdout, stderr)
	}
	fs := newFlagSet("revocation "+args[0], revocationSynopsis, stderr)
	url := fs.String("gateway", "", "the gateway's base URL, or the base URL of a static export")
	anchorPath := fs.String("anchor", "", "the gateway's trust anchor certificate")
	dir := fs.String("dir", "", "the verifier's data directory (required)")
	ca := fs.String("ca", "", "certificate(s) to trust for HTTPS (default: the system roots and the anchor)")
	full := fs.Bool("full", false, "download every batch again instead of the changes")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 || *dir == "" {
		return usageError("usage: %s", revocationSynopsis)
	}
	if args[0] == "inspect" {
		idx, st, err := verifier.LoadRevocation(*dir, time.Now())
		if err != nil {
			return err
		}
		if st == nil {
			return withHint(fmt.Errorf("%s holds no revocation data", *dir), "run \"ithc revocation sync\" first")
		}
		if *asJSON {
			return writeJSON(stdout, map[string]any{"state": st, "index": idx.Stats()}, "")
		}
		s := idx.Stats()
		fmt.Fprintf(stdout, "revocation data of %s at version %d, synced %s: %d batches, %d entries (%d bytes in memory)\n",
			st.Source, st.Version, st.Synced.Format(time.RFC3339), s.Batches, s.Entries, s.Bytes)
		for _, b := range st.Batches {
			fmt.Fprintf(stdout, "%s  %s  kid %s  %-14s %8d entries  created %s  expires %s  %s\n", b.ID, b.Country, b.KID, b.HashType, b.Count,
				b.Created.Format(time.DateOnly), b.Expires.Format(time.DateOnly), b.Reason)
		}
		return nil
	}
	if *url == "" || *anchorPath == "" {
		return usageError("usage: %s", revocationSynopsis)
	}
	anchor, hc, err := syncClient(*anchorPath, *ca)
	if err != nil {
		return err
	}
	res, err := verifier.SyncRevocation(context.Background(), verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: *url, Anchor: anchor, Dir: *dir, Client: hc, Full: *full}})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, res, "")
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(stdout, "revocation data unchanged at version %d: %d batches, %d entries\n", res.Version, res.Batches, res.Entries)
	default:
		how := "synced"
		if res.Incremental {
			how = "updated"
		}
		fmt.Fprintf(stdout, "revocation data %s to version %d (%d batches fetched, %d removed): %d batches, %d entries\n",
			how, res.Version, res.Fetched, res.Removed, res.Batches, res.Entries)
	}
	return nil
}

// loadRevocation loads the revocation data kept beside the first synced
// trust directory among paths that has some; nil when none has.
func loadRevocation(paths []string, now time.Time) (verify.RevocationChecker, error) {
	if now.IsZero() {
		now = time.Now()
	}
	for _, p := range paths {
		if !trust.IsSyncedDir(p) {
			continue
		}
		idx, _, err := verifier.LoadRevocation(p, now)
		if err != nil {
			return nil, err
		}
		if idx != nil {
			idx.Now = func() time.Time { return now }
			return idx, nil
		}
	}
	return nil, nil
}

// runRevocationExportSHC runs "ithc revocation export-shc".
func runRevocationExportSHC(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("revocation export-shc", revocationSynopsis, stderr)
	dir := fs.String("dir", "", "the verifier's data directory (required)")
	iss := fs.String("iss", "", "the SMART Health Card issuer (iss URL; required)")
	kid := fs.String("kid", "", "the issuer key's thumbprint (required)")
	ctr := fs.Int("ctr", -1, "the list's ctr (default: the copy's version)")
	out := fs.String("out", "", "write OUT/crl/KID.json instead of standard output")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *dir == "" || *iss == "" || *kid == "" {
		return usageError("usage: %s", revocationSynopsis)
	}
	st, from, err := revocation.ReadState(filepath.Join(*dir, verifier.DirRevocation))
	if err != nil {
		return withHint(err, "run \"ithc revocation sync\" first")
	}
	now := time.Now()
	var bs []*revocation.Batch
	for i := range st.Batches {
		in := &st.Batches[i].Info
		if in.HashType != revocation.HashSHCRID.String() || in.Iss != *iss || in.KID != *kid || !now.Before(in.Expires) {
			continue
		}
		b, err := revocation.ReadBody(from, in)
		if err != nil {
			return err
		}
		bs = append(bs, b)
	}
	n := *ctr
	if n < 0 {
		n = int(min(st.Version, 1<<31-1))
	}
	l := revocation.SHCListOf(*iss, *kid, n, bs)
	data := append(l.Marshal(), '\n')
	if *out == "" {
		_, err := stdout.Write(data)
		return err
	}
	path := filepath.Join(*out, "crl", *kid+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ithc: wrote %s: %d rids of %d batches, ctr %d\n", path, len(l.Revoked), len(bs), n)
	return nil
}
