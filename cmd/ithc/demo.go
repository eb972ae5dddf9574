package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/html"
	"github.com/ithc/ithc/render/pdf"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

const demoSynopsis = "ithc demo [--dir DIR] [--serve [--listen ADDR]]"

// demoMarker marks a directory ithc demo made, which it may empty and
// refill on the next run; it never touches a directory without it.
const demoMarker = ".ithc-demo"

// runDemo runs "ithc demo": the whole mission on one machine, on embedded
// defaults only (SQLite in the demo directory, loopback TLS with generated
// certificates). A gateway starts; CN, FR and a third country (XA, a
// user-assigned code standing for any country FR does not recognise)
// onboard; CN publishes its signer, rules and encryption key, FR its
// acceptance rules; three days later CN issues 张伟's certificate and writes
// its PNG, PDF and wallet page; FR's verifier syncs and checks codes
// offline, each scenario printed with its expected and actual status.
func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", demoSynopsis, stderr)
	dir := fs.String("dir", "ithc-demo", "working directory: the gateway's database and keys, the verifiers' data and the certificate's PNG, PDF and wallet page")
	serve := fs.Bool("serve", false, "after the scenarios, keep the gateway and FR's verifier web page running until interrupted")
	listen := fs.String("listen", "127.0.0.1:8080", "with --serve, the address of FR's verifier page")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	if err := prepareDemoDir(*dir); err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	d := &demo{out: stdout, dir: *dir, clock: &demoClock{}}
	if err := d.run(ctx); err != nil {
		return err
	}
	if *serve {
		if err := d.serve(ctx, *listen); err != nil {
			return err
		}
	}
	if err := d.stop(); err != nil {
		return err
	}
	if d.met != d.expected {
		return &exitError{code: 1, err: errors.New("demo: a scenario did not end as expected")}
	}
	return nil
}

// prepareDemoDir creates dir, or empties one an earlier demo made.
func prepareDemoDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return withHint(fmt.Errorf("%s exists and was not made by ithc demo; refusing to touch it", dir),
				"give another directory with --dir, or remove this one")
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by ithc demo; emptied by the next run\n"), 0o644)
}

// demoClock is the demo's time: the setup happens three days before the
// journey (a new acceptance rule must be uploaded at least 48 hours before
// it applies), the journey now.
type demoClock struct{ offset atomic.Int64 }

func (c *demoClock) Now() time.Time      { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *demoClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// daysBefore is how far before the journey the countries set up.
const daysBefore = 3 * 24 * time.Hour

type demo struct {
	out      io.Writer
	dir      string
	clock    *demoClock
	expected int
	met      int

	gwURL     string
	gwDone    chan error
	gwCancel  context.CancelFunc
	anchor    *x509.Certificate
	roots     *x509.CertPool
	countries map[string]*demoCountry
}

// demoCountry is one country's keys and gateway client.
type demoCountry struct {
	code, name string
	pki        *trust.Country
	upload     *x509.Certificate
	uploadKey  crypto.Signer
	tlsCert    *x509.Certificate
	tls        tls.Certificate
	enc        *ecdh.PrivateKey
	client     *client.Client
}

func (d *demo) step(format string, args ...any) {
	fmt.Fprintf(d.out, format+"\n", args...)
}

func (d *demo) run(ctx context.Context) error {
	d.clock.set(-daysBefore)
	day0 := d.clock.Now()
	d.step("Day 0 (%s): the countries set up", day0.UTC().Format(time.DateOnly))
	if err := d.startGateway(ctx, day0); err != nil {
		return err
	}
	cn, fr, xa := d.countries["CN"], d.countries["FR"], d.countries["XA"]

	// Each country publishes its document signer and its encryption key.
	for _, c := range []*demoCountry{cn, fr, xa} {
		if _, err := c.client.UploadSigner(ctx, c.pki.DSC); err != nil {
			return fmt.Errorf("demo: %s uploads its signer: %w", c.code, err)
		}
		rec, err := envelope.NewKeyRecord(c.code, c.enc.PublicKey(), day0.Add(-time.Hour), day0.AddDate(1, 0, 0))
		if err != nil {
			return err
		}
		if _, err := c.client.UploadEncryptionKey(ctx, rec.Marshal()); err != nil {
			return fmt.Errorf("demo: %s uploads its encryption key: %w", c.code, err)
		}
		d.step("   %s uploads its document signer (kid %s) and its encryption key (kid %s)",
			c.code, kidString(trust.KID(c.pki.DSC)), envelope.KIDString(rec.KID))
	}
	// CN and FR publish their entry rules, applying from day 2.
	validFrom := day0.Add(49 * time.Hour).Truncate(time.Second)
	for _, c := range []*demoCountry{cn, fr} {
		rule, err := demoRule(c.code, validFrom)
		if err != nil {
			return err
		}
		if _, err := c.client.UploadRule(ctx, rule); err != nil {
			return fmt.Errorf("demo: %s uploads its rule: %w", c.code, err)
		}
		d.step("   %s uploads acceptance rule GR-%s-0001, valid from %s: a negative nucleic-acid and IgM test within 48 h and a complete WHO-listed vaccination, or a recovery",
			c.code, c.code, validFrom.UTC().Format(time.RFC3339))
	}

	d.clock.set(0)
	now := time.Now().UTC().Truncate(time.Second)
	d.step("Day 3 (%s): 张伟 travels from China to France", now.Format(time.DateOnly))
	zhang := demoCertificate(now)
	text, err := d.issue(cn, zhang, now)
	if err != nil {
		return err
	}
	d.step("   CN issues certificate %s for %s%s (%s): %d events, QR text of %d characters",
		zhang.ID, zhang.Holder.Name.Family, zhang.Holder.Name.Given, zhang.Holder.Name.MRZ(), len(zhang.Events), len(text))
	if err := d.writeForms(zhang, text); err != nil {
		return err
	}

	// The other certificates of the scenarios.
	li := demoCertificate(now)
	li.Holder.Name = healthcert.Name{Family: "李", Given: "娜"}
	li.Holder.Document.Number = "E22334455"
	liText, err := d.issue(cn, li, now)
	if err != nil {
		return err
	}
	wang := demoCertificate(now)
	wang.Holder.Name = healthcert.Name{Family: "王", Given: "芳"}
	wang.Holder.Document.Number = "E33445566"
	for _, e := range wang.Events {
		switch e := e.(type) {
		case *healthcert.NucleicAcidTest:
			e.SampleTime = now.Add(-72 * time.Hour)
		case *healthcert.AntibodyTest:
			e.SampleTime = now.Add(-72 * time.Hour)
		}
	}
	wangText, err := d.issue(cn, wang, now)
	if err != nil {
		return err
	}
	other := demoCertificate(now)
	other.Issuer = healthcert.Issuer{Country: "XA", Name: "Health Ministry of XA"}
	other.Holder.Name = healthcert.Name{Family: "Doe", Given: "Alex"}
	other.Holder.Document = &healthcert.TravelDocument{Type: "P", Number: "X1234567", IssuingState: "XA"}
	for _, e := range other.Events {
		switch e := e.(type) {
		case *healthcert.NucleicAcidTest:
			e.Country = "XA"
		case *healthcert.AntibodyTest:
			e.Country = "XA"
		case *healthcert.Vaccination:
			e.Country = "XA"
		}
	}
	otherText, err := d.issue(xa, other, now)
	if err != nil {
		return err
	}

	// CN revokes 李娜's certificate (issued in error).
	b, err := revocation.NewBatch(revocation.Header{ID: "cn-demo-1", Country: "CN", KID: kidString(trust.KID(cn.pki.DSC)),
		HashType: "UCI", Created: now, Expires: now.AddDate(1, 0, 0), Reason: "issued in error"},
		[]revocation.Hash{revocation.HashOfUCI(li.ID)})
	if err != nil {
		return err
	}
	if _, err := cn.client.UploadRevocation(ctx, b); err != nil {
		return fmt.Errorf("demo: CN revokes a certificate: %w", err)
	}
	d.step("   CN revokes certificate %s (李娜, issued in error)", li.ID)

	// CN encrypts 张伟's code for FR's authorities.
	// CN syncs the trust list to learn the recipients' keys.
	if _, err := d.sync(ctx, "CN"); err != nil {
		return err
	}
	ring, _, err := envelope.LoadSyncedKeys(d.verifierDir("CN"))
	if err != nil {
		return err
	}
	recipients, err := ring.Recipients([]string{"FR"}, now)
	if err != nil {
		return err
	}
	sealed, err := envelope.Seal(text, recipients, envelope.SealOptions{})
	if err != nil {
		return err
	}
	d.step("   CN encrypts the code for FR: %d characters, readable only with FR's key", len(sealed))

	// FR's and XA's verifiers sync, then work offline.
	frVerifier, err := d.verifierFor(ctx, fr, []string{"CN", "FR"}, now)
	if err != nil {
		return err
	}
	xaVerifier, err := d.verifierFor(ctx, xa, nil, now)
	if err != nil {
		return err
	}
	tampered, err := alterDocumentNumber(text, "E12345678", "E87654321")
	if err != nil {
		return err
	}
	codes := []struct{ name, text string }{
		{"zhang-wei", text}, {"zhang-wei-tampered", tampered}, {"li-na-revoked", liText},
		{"xa-unrecognised", otherText}, {"wang-fang-old-tests", wangText}, {"zhang-wei-encrypted-for-fr", sealed},
	}
	for _, c := range codes {
		if err := writeDemoFile(filepath.Join(d.dir, "codes", c.name+".txt"), []byte(c.text+"\n"), 0o644); err != nil {
			return err
		}
	}
	d.step("   the codes of the scenarios are in %s", filepath.Join(d.dir, "codes"))
	d.step("FR's border verifier checks, offline, under FR's rules:")
	d.check("张伟's certificate", frVerifier.Verify(text), verify.StatusVerified)
	d.check("the same code with the passport number changed", frVerifier.Verify(tampered), verify.StatusInvalidSignature)
	d.check("李娜's certificate, revoked by CN", frVerifier.Verify(liText), verify.StatusRevoked)
	d.check("a certificate from XA, which FR does not recognise", frVerifier.Verify(otherText), verify.StatusIssuerNotTrusted)
	d.check("王芳's certificate, whose tests are 72 hours old", frVerifier.Verify(wangText), verify.StatusRulesFailed)
	d.check("张伟's code encrypted for FR", frVerifier.Verify(sealed), verify.StatusVerified)
	d.step("XA's verifier, not a recipient, reads the encrypted code:")
	d.check("张伟's code encrypted for FR", xaVerifier.Verify(sealed), verify.StatusDecryptionFailed)

	d.step("demo: %d/%d scenarios as expected", d.met, d.expected)
	return nil
}

// startGateway makes the gateway's keys, onboards the countries and
// serves on loopback until the demo ends.
func (d *demo) startGateway(ctx context.Context, day0 time.Time) error {
	gwDir := filepath.Join(d.dir, "gateway")
	cfg, err := gateway.Init(gwDir, gateway.InitOptions{Name: "ITHC Demo Gateway", Listen: "127.0.0.1:0",
		Store: "sqlite:gateway.db", Now: day0.Add(-time.Hour)})
	if err != nil {
		return err
	}
	if d.anchor, err = gateway.LoadCertificate(cfg.Path(cfg.Anchor)); err != nil {
		return err
	}
	d.roots = x509.NewCertPool()
	d.roots.AddCert(d.anchor)
	anchorKey, err := openKey(filepath.Join(gwDir, gateway.FileAnchorKey))
	if err != nil {
		return err
	}
	defer anchorKey.Close()
	st, err := open.Store(ctx, cfg.StoreURL())
	if err != nil {
		return err
	}
	d.countries = map[string]*demoCountry{}
	for _, c := range []struct{ code, name string }{
		{"CN", "National Health Commission"}, {"FR", "Ministère de la Santé"}, {"XA", "Health Ministry of XA"},
	} {
		dc, err := newDemoCountry(c.code, c.name, day0.Add(-time.Hour))
		if err != nil {
			st.Close()
			return err
		}
		for _, role := range []struct {
			role string
			cert *x509.Certificate
		}{{gateway.RoleCSCA, dc.pki.CSCA}, {gateway.RoleUpload, dc.upload}, {gateway.RoleTLS, dc.tlsCert}} {
			if _, err := gateway.Onboard(ctx, st, anchorKey, d.anchor, c.code, role.role, role.cert, day0); err != nil {
				st.Close()
				return err
			}
		}
		d.countries[c.code] = dc
	}
	st.Close()
	d.step("   the gateway operator onboards CN, FR and XA (country signing CA, upload and TLS certificates of each)")

	gctx, cancel := context.WithCancel(context.Background())
	d.gwCancel = cancel
	ready := make(chan string, 1)
	d.gwDone = make(chan error, 1)
	go func() {
		d.gwDone <- gateway.Run(gctx, cfg, gateway.RunOptions{OpenStore: open.Store, OpenKey: openServiceKey,
			Logger: slog.New(slog.DiscardHandler), Ready: func(addr string) { ready <- addr }, Now: d.clock.Now})
	}()
	select {
	case addr := <-ready:
		d.gwURL = "https://" + addr
	case err := <-d.gwDone:
		return fmt.Errorf("demo: the gateway did not start: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	d.step("   the gateway serves at %s (SQLite in %s)", d.gwURL, filepath.Join(gwDir, "gateway.db"))
	for _, c := range d.countries {
		c.client = client.New(d.gwURL, c.tls, d.roots, c.upload, c.uploadKey)
		c.client.Now = d.clock.Now
	}
	return nil
}

// stop ends the gateway.
func (d *demo) stop() error {
	if d.gwCancel == nil {
		return nil
	}
	d.gwCancel()
	d.gwCancel = nil
	return <-d.gwDone
}

func newDemoCountry(code, name string, notBefore time.Time) (*demoCountry, error) {
	p, err := trust.GenerateCountry(trust.CountryOptions{Country: code, Organisation: name, Now: notBefore})
	if err != nil {
		return nil, err
	}
	c := &demoCountry{code: code, name: name, pki: p}
	opts := trust.CertOptions{Country: code, Organisation: name, NotBefore: notBefore}
	if c.uploadKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if c.upload, err = trust.NewUploadCertificate(c.uploadKey, opts); err != nil {
		return nil, err
	}
	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if c.tlsCert, err = trust.NewTLSCertificate(tlsKey, opts); err != nil {
		return nil, err
	}
	c.tls = tls.Certificate{Certificate: [][]byte{c.tlsCert.Raw}, PrivateKey: tlsKey, Leaf: c.tlsCert}
	if c.enc, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	return c, nil
}

// demoRule is country's entry policy: the embedded example GR-CN-0001
// published under country's name, valid from validFrom for a year.
func demoRule(country string, validFrom time.Time) ([]byte, error) {
	data, err := fs.ReadFile(rules.ExamplesFS(), "examples/GR-CN-0001/rule.json")
	if err != nil {
		return nil, err
	}
	var r map[string]any
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	r["Identifier"] = "GR-" + country + "-0001"
	r["Country"] = country
	r["ValidFrom"] = validFrom.UTC().Format(time.RFC3339)
	r["ValidTo"] = validFrom.AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	return json.Marshal(r)
}

// issue signs c with country's document signer.
func (d *demo) issue(country *demoCountry, c *healthcert.Certificate, now time.Time) (string, error) {
	text, err := issueCode(c, country.pki.DSCKey, country.pki.DSC, now.Add(-10*time.Minute), 0, false)
	if err != nil {
		return "", fmt.Errorf("demo: %s issues %s: %w", country.code, c.ID, err)
	}
	return text, nil
}

// writeForms writes the electronic and paper forms of the certificate.
func (d *demo) writeForms(c *healthcert.Certificate, text string) error {
	code, err := qr.Encode(text, qr.Options{Level: qr.LevelQ})
	if err != nil {
		return err
	}
	var png, doc, page bytes.Buffer
	if err := code.WritePNG(&png, qr.ImageOptions{ModulePixels: 6}); err != nil {
		return err
	}
	pair, err := view.ParsePair(view.DefaultPair)
	if err != nil {
		return err
	}
	if err := pdf.Render(&doc, c, text, pdf.Options{Languages: pair}); err != nil {
		return err
	}
	if err := html.Render(&page, c, text, html.Options{Languages: pair}); err != nil {
		return err
	}
	files := []struct {
		name, what string
		data       []byte
	}{
		{"zhang-wei.txt", "QR text", []byte(text + "\n")},
		{"zhang-wei.png", "QR code", png.Bytes()},
		{"zhang-wei.pdf", "paper certificate (A4, Chinese and English)", doc.Bytes()},
		{"zhang-wei.html", "wallet page", page.Bytes()},
	}
	for _, f := range files {
		p := filepath.Join(d.dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
		d.step("   wrote %s: %s", p, f.what)
	}
	return nil
}

func (d *demo) verifierDir(country string) string {
	return filepath.Join(d.dir, strings.ToLower(country)+"-verifier")
}

// sync brings a country's verifier data up to date: trust list (with the
// encryption keys), rules and value sets, revocations.
func (d *demo) sync(ctx context.Context, country string) (string, error) {
	dir := d.verifierDir(country)
	hc := verifierHTTPClient(d.roots)
	o := verifier.SyncOptions{URL: d.gwURL, Anchor: d.anchor, Dir: dir, Client: hc}
	t, err := verifier.Sync(ctx, o)
	if err != nil {
		return "", err
	}
	r, err := verifier.SyncRules(ctx, o)
	if err != nil {
		return "", err
	}
	rv, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: o})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d signers, %d rules, %d revocation batches (%d entries)", t.Signers, r.Rules, rv.Batches, rv.Entries), nil
}

// verifierFor syncs country's verifier and returns it, offline from then
// on: the trust list limited to the countries it recognises (all when
// nil), its rules, the revocations, and its own decryption key.
func (d *demo) verifierFor(ctx context.Context, c *demoCountry, recognise []string, now time.Time) (*verify.Verifier, error) {
	summary, err := d.sync(ctx, c.code)
	if err != nil {
		return nil, fmt.Errorf("demo: %s's verifier syncs: %w", c.code, err)
	}
	dir := d.verifierDir(c.code)
	d.step("   %s's verifier syncs into %s: %s", c.code, dir, summary)
	st, _, _, err := trust.LoadSynced(dir)
	if err != nil {
		return nil, err
	}
	set, err := rules.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	idx, _, err := verifier.LoadRevocation(dir, now)
	if err != nil {
		return nil, err
	}
	ring, _, err := envelope.LoadSyncedKeys(dir)
	if err != nil {
		return nil, err
	}
	opener, err := envelope.NewOpener([]envelope.OpenKey{{Country: c.code, Key: c.enc}}, ring)
	if err != nil {
		return nil, err
	}
	opts := verify.Options{Now: now.Add(time.Minute), ClockSkew: verify.DefaultClockSkew, Country: c.code,
		Rules:     rules.NewEvaluator(set, rules.EvaluatorOptions{ValueSets: verifier.LoadValueSets(dir)}),
		Decrypter: opener, Recognised: recognise}
	if idx != nil {
		opts.Revocation = idx
	}
	return verify.New(st, opts), nil
}

// check prints a scenario's expected and actual status and counts it.
func (d *demo) check(what string, r *verify.Result, want verify.Status) {
	d.expected++
	mark := "as expected"
	if r.Status == want {
		d.met++
	} else {
		mark = "NOT AS EXPECTED"
	}
	fmt.Fprintf(d.out, "   %s: expected %s, got %s: %s\n", what, want, r.Status, mark)
	switch {
	case r.Status == verify.StatusVerified && r.Certificate != nil:
		h := r.Certificate.Holder
		fmt.Fprintf(d.out, "      holder %s%s (%s), born %s", h.Name.Family, h.Name.Given, h.Name.MRZ(), h.DateOfBirth)
		if h.Document != nil {
			fmt.Fprintf(d.out, ", passport %s", h.Document.Number)
		}
		fmt.Fprintln(d.out)
		for _, o := range r.Rules {
			fmt.Fprintf(d.out, "      rule %s %s: %s\n", o.Identifier, o.Version, o.Result)
		}
		if r.Encryption != nil {
			fmt.Fprintf(d.out, "      decrypted with key %s\n", r.Encryption.KID)
		}
	case r.Status != verify.StatusVerified:
		fmt.Fprintf(d.out, "      %s\n      %s\n", r.Reason.EN, r.Detail)
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
// test and a negative IgM antibody test sampled 30 hours before the
// journey, and two doses of BBIBP-CorV.
func demoCertificate(now time.Time) *healthcert.Certificate {
	day := 24 * time.Hour
	sample := now.Add(-30 * time.Hour).Truncate(time.Minute)
	cdc := "Beijing Center for Disease Prevention and Control"
	clinic := "Chaoyang District Vaccination Clinic"
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
				Common:     healthcert.Common{Disease: "840539006", Country: "CN", Centre: cdc},
				Method:     "LP6464-4",
				SampleTime: sample,
				Result:     healthcert.ResultNegative,
			},
			&healthcert.AntibodyTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN", Centre: cdc},
				Isotype:    healthcert.IgM,
				Method:     "CLIA",
				SampleTime: sample,
				Result:     healthcert.ResultNegative,
				Quantity:   &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1},
			},
			&healthcert.Vaccination{
				Common:       healthcert.Common{Disease: "840539006", Country: "CN", Centre: clinic},
				VaccineType:  "J07BX03",
				Product:      "BBIBP-CorV",
				Manufacturer: "ORG-100020693",
				DoseNumber:   1,
				TotalDoses:   2,
				Date:         healthcert.DateOf(now.Add(-118 * day)),
			},
			&healthcert.Vaccination{
				Common:       healthcert.Common{Disease: "840539006", Country: "CN", Centre: clinic},
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

// serve runs FR's verifier service (its page and API) on listen beside
// the gateway until interrupted: it syncs from the gateway, applies FR's
// rules, recognises CN and FR, and opens codes encrypted for FR.
func (d *demo) serve(ctx context.Context, listen string) error {
	fr := d.countries["FR"]
	der, err := x509.MarshalPKCS8PrivateKey(fr.enc)
	if err != nil {
		return err
	}
	if err := writeDemoFile(filepath.Join(d.dir, "fr-enc.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	conf, err := json.MarshalIndent(map[string]any{
		"listen": listen, "data_dir": "fr-verifier", "gateway": d.gwURL,
		"anchor": "gateway/anchor.pem", "gateway_ca": "gateway/anchor.pem", "sync_interval": "1m",
		"country": "FR", "recognise": []string{"CN", "FR"}, "decrypt_keys": []string{"fr-enc.key"},
	}, "", "  ")
	if err != nil {
		return err
	}
	confPath := filepath.Join(d.dir, "fr-verifier.json")
	if err := writeDemoFile(confPath, append(conf, '\n'), 0o644); err != nil {
		return err
	}
	cfg, err := verifier.LoadConfig(confPath)
	if err != nil {
		return err
	}
	svc, err := verifier.New(cfg, verifier.Options{Sources: verifierSources(cfg)})
	if err != nil {
		return err
	}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		d.step("serving until interrupted:")
		d.step("   gateway          %s (trust anchor %s)", d.gwURL, filepath.Join(d.dir, "gateway", gateway.FileAnchorCert))
		d.step("   FR's verifier    %s/ (configuration %s)", strings.TrimSuffix(addr, "/"), confPath)
		d.step("   try the codes in %s: paste one, or upload %s", filepath.Join(d.dir, "codes"), filepath.Join(d.dir, "zhang-wei.png"))
	case err := <-done:
		return fmt.Errorf("demo: FR's verifier did not start: %w", err)
	}
	return <-done
}

// writeDemoFile writes a file of the demo directory, creating its folder.
func writeDemoFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, mode)
}
