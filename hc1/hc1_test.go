package hc1

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/trust"
)

// testKey is a signer key with a self-signed certificate.
type testKey struct {
	signer crypto.Signer
	cert   *x509.Certificate
}

var (
	keysOnce sync.Once
	keys     map[string]*testKey
)

func newTestKey(tb testing.TB, s crypto.Signer) *testKey {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "DSC test", Country: []string{"CN"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.Public(), s)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testKey{s, cert}
}

// testKeys returns one key per algorithm, generated once per test binary.
func testKeys(tb testing.TB) map[string]*testKey {
	keysOnce.Do(func() {
		p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
		_, edKey, _ := ed25519.GenerateKey(rand.Reader)
		keys = map[string]*testKey{
			"ES256": newTestKey(tb, p256),
			"ES384": newTestKey(tb, p384),
			"PS256": newTestKey(tb, rsaKey),
			"EdDSA": newTestKey(tb, edKey),
		}
	})
	return keys
}

func date(y, m, d int) healthcert.Date { return healthcert.Date{Year: y, Month: m, Day: d} }

// nativeCert has every event type and every optional field.
func nativeCert() *healthcert.Certificate {
	covid := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "北京协和医院"}
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:ABCDEF1234567890#X",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: date(1985, 7, 0),
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", Name: "Daan RT-PCR",
				SampleTime: time.Date(2024, 2, 29, 7, 30, 0, 0, time.UTC), Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgM, Method: "CLIA", Device: "WANTAI-IGM",
				SampleTime: time.Date(2024, 2, 29, 7, 31, 0, 500, time.UTC), Result: healthcert.ResultNegative,
				Quantity: &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1}},
			&healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgG, Method: "ELISA",
				SampleTime: time.Date(2024, 2, 29, 7, 31, 0, 0, time.UTC), Result: healthcert.ResultPositive,
				Quantity: &healthcert.Quantity{Value: 0, CutOff: 0}},
			&healthcert.AntigenTest{Common: covid, Device: "1232", Name: "Abbott Panbio",
				SampleTime: time.Date(2024, 2, 28, 10, 0, 0, 0, time.UTC), Result: healthcert.ResultInconclusive},
			&healthcert.Vaccination{Common: covid, VaccineType: "J07BX03", Product: "BBIBP-CorV",
				Manufacturer: "ORG-100020693", DoseNumber: 3, TotalDoses: 3, Date: date(2022, 1, 15)},
			&healthcert.Recovery{Common: healthcert.Common{Disease: "840539006", Country: "CN"},
				FirstPositive: date(2022, 12, 20), ValidFrom: date(2022, 12, 31), ValidUntil: date(2023, 6, 20)},
			&healthcert.Vaccination{Common: healthcert.Common{Disease: "840539006"}, DoseNumber: 1, TotalDoses: 2,
				Date: date(2021, 6, 0)},
		},
	}
}

func TestNativeRoundTrip(t *testing.T) {
	c := nativeCert()
	b, err := MarshalNative(c)
	if err != nil {
		t.Fatalf("MarshalNative() error = %v", err)
	}
	got, err := UnmarshalNative(b)
	if err != nil {
		t.Fatalf("UnmarshalNative() error = %v", err)
	}
	want := *c
	want.Issuer.Country, want.IssuedAt, want.ExpiresAt = "", time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("UnmarshalNative(MarshalNative(c)) = %+v, want %+v", got, &want)
	}
	b2, err := MarshalNative(got)
	if err != nil || !bytes.Equal(b, b2) {
		t.Errorf("re-encoding differs: %x, want %x (err %v)", b2, b, err)
	}
	// Minimal certificate: no optional field at all.
	min := &healthcert.Certificate{Events: []healthcert.Event{&healthcert.Recovery{}}}
	b, err = MarshalNative(min)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := UnmarshalNative(b); err != nil || !reflect.DeepEqual(got, min) {
		t.Errorf("UnmarshalNative(minimal) = %+v, %v, want %+v", got, err, min)
	}
}

func TestSignParseRoundTrip(t *testing.T) {
	for name, k := range testKeys(t) {
		for _, kind := range []PayloadKind{KindDCC, KindNative} {
			t.Run(name+"/"+string(kind), func(t *testing.T) {
				in := SignInput{Issuer: "AT", IssuedAt: time.Unix(1620000000, 0), ExpiresAt: time.Unix(1650000000, 0), DCC: testca.SampleDCC()}
				if kind == KindNative {
					in = SignInput{Native: nativeCert()}
				}
				text, err := Sign(in, k.signer, SignOptions{Certificate: k.cert})
				if err != nil {
					t.Fatalf("Sign() error = %v", err)
				}
				code, err := Parse(text)
				if err != nil {
					t.Fatalf("Parse(Sign()) error = %v", err)
				}
				if code.Alg.String() != name || code.KIDFrom != HeaderProtected || !bytes.Equal(code.KID, trust.KID(k.cert)) {
					t.Errorf("alg %v kid %x from %v, want %s, %x from protected", code.Alg, code.KID, code.KIDFrom, name, trust.KID(k.cert))
				}
				if err := code.VerifySignature(k.cert.PublicKey); err != nil {
					t.Errorf("VerifySignature() = %v, want nil", err)
				}
				if code.Kind != kind {
					t.Errorf("Kind = %q, want %q", code.Kind, kind)
				}
				switch kind {
				case KindDCC:
					if code.DCC == nil || code.DCC.Name.FamilyICAO != "MUSTERFRAU<GOESSINGER" || code.Claims.Issuer != "AT" ||
						!code.Claims.IssuedAt.Equal(in.IssuedAt) || !code.Claims.ExpiresAt.Equal(in.ExpiresAt) {
						t.Errorf("decoded DCC %+v claims %+v", code.DCC, code.Claims)
					}
				case KindNative:
					if !reflect.DeepEqual(code.Native, nativeCert()) {
						t.Errorf("Native = %+v, want %+v", code.Native, nativeCert())
					}
				}
				// Tampering with any signed byte breaks the signature.
				for _, part := range []struct {
					name string
					b    []byte
				}{{"protected", code.Protected}, {"payload", code.Payload}, {"signature", code.Signature}} {
					i := len(part.b) / 2
					part.b[i] ^= 0x01
					if err := code.VerifySignature(k.cert.PublicKey); !errors.Is(err, ErrSignatureInvalid) {
						t.Errorf("VerifySignature() after flipping a %s byte = %v, want ErrSignatureInvalid", part.name, err)
					}
					part.b[i] ^= 0x01
				}
			})
		}
	}
}

func TestAlgorithmConfusion(t *testing.T) {
	ks := testKeys(t)
	text, err := Sign(SignInput{Native: nativeCert()}, ks["ES256"].signer, SignOptions{Certificate: ks["ES256"].cert})
	if err != nil {
		t.Fatal(err)
	}
	code, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg  Algorithm
		key  string
		want error
	}{
		{ES256, "ES384", ErrAlgorithmMismatch},
		{ES256, "PS256", ErrAlgorithmMismatch},
		{ES256, "EdDSA", ErrAlgorithmMismatch},
		{ES384, "ES256", ErrAlgorithmMismatch},
		{PS256, "ES256", ErrAlgorithmMismatch},
		{EdDSA, "ES256", ErrAlgorithmMismatch},
		{-36, "ES256", ErrUnsupportedAlgorithm},
		{-257, "PS256", ErrUnsupportedAlgorithm},
	} {
		c := *code
		c.Alg = tc.alg
		if err := c.VerifySignature(ks[tc.key].cert.PublicKey); !errors.Is(err, tc.want) {
			t.Errorf("VerifySignature(%v code, %s key) = %v, want %v", tc.alg, tc.key, err, tc.want)
		}
	}
	// A DER signature instead of raw r||s is malformed.
	c := *code
	c.Signature = rawToDER(nil, code.Signature[:32], code.Signature[32:])
	if err := c.VerifySignature(ks["ES256"].cert.PublicKey); !errors.Is(err, ErrSignatureFormat) {
		t.Errorf("VerifySignature(DER signature) = %v, want ErrSignatureFormat", err)
	}
	c.Signature = code.Signature[:63]
	if err := c.VerifySignature(ks["ES256"].cert.PublicKey); !errors.Is(err, ErrSignatureFormat) {
		t.Errorf("VerifySignature(63-byte signature) = %v, want ErrSignatureFormat", err)
	}
}

// cose builds a COSE message from hex-free parts with the writer.
func coseMsg(tags []uint64, protected []byte, unprotected func(*writer), payload, sig []byte) []byte {
	var w writer
	for _, t := range tags {
		w.head(majorTag, t)
	}
	w.head(majorArray, 4)
	w.bytes(protected)
	if unprotected == nil {
		w.head(majorMap, 0)
	} else {
		unprotected(&w)
	}
	w.bytes(payload)
	w.bytes(sig)
	return w.b
}

func claimsBytes(t *testing.T, sub func(w *writer)) []byte {
	t.Helper()
	var w writer
	w.head(majorMap, 2)
	w.int(claimIss)
	w.text("CN")
	w.int(claimHCERT)
	sub(&w)
	return w.b
}

func TestParseCOSEVariants(t *testing.T) {
	native, err := MarshalNative(nativeCert())
	if err != nil {
		t.Fatal(err)
	}
	payload := claimsBytes(t, func(w *writer) { w.head(majorMap, 1); w.int(NativeKey); w.b = append(w.b, native...) })
	prot := func(alg int64, kid []byte) []byte {
		var w writer
		n := uint64(0)
		if alg != 0 {
			n++
		}
		if kid != nil {
			n++
		}
		w.head(majorMap, n)
		if alg != 0 {
			w.int(labelAlg)
			w.int(alg)
		}
		if kid != nil {
			w.int(labelKID)
			w.bytes(kid)
		}
		return w.b
	}
	unprot := func(alg int64, kid []byte) func(*writer) {
		return func(w *writer) { w.b = append(w.b, prot(alg, kid)...) }
	}
	sig := make([]byte, 64)
	kidP, kidU := []byte("PPPPPPPP"), []byte("UUUUUUUU")
	for _, tc := range []struct {
		name    string
		msg     []byte
		wantErr string
		alg     Algorithm
		algFrom HeaderLocation
		kid     []byte
		kidFrom HeaderLocation
	}{
		{"tag 18", coseMsg([]uint64{18}, prot(-7, kidP), nil, payload, sig), "", ES256, HeaderProtected, kidP, HeaderProtected},
		{"untagged", coseMsg(nil, prot(-7, kidP), nil, payload, sig), "", ES256, HeaderProtected, kidP, HeaderProtected},
		{"tag 61 around 18", coseMsg([]uint64{61, 18}, prot(-7, kidP), nil, payload, sig), "", ES256, HeaderProtected, kidP, HeaderProtected},
		{"kid in unprotected only", coseMsg([]uint64{18}, prot(-7, nil), unprot(0, kidU), payload, sig), "", ES256, HeaderProtected, kidU, HeaderUnprotected},
		{"protected kid wins", coseMsg([]uint64{18}, prot(-7, kidP), unprot(0, kidU), payload, sig), "", ES256, HeaderProtected, kidP, HeaderProtected},
		{"protected alg wins", coseMsg([]uint64{18}, prot(-7, nil), unprot(-37, kidU), payload, sig), "", ES256, HeaderProtected, kidU, HeaderUnprotected},
		{"alg only unprotected", coseMsg([]uint64{18}, nil, unprot(-37, kidU), payload, sig), "", PS256, HeaderUnprotected, kidU, HeaderUnprotected},
		{"no kid", coseMsg([]uint64{18}, prot(-8, nil), nil, payload, sig), "", EdDSA, HeaderProtected, nil, HeaderAbsent},
		{"tag 61 alone", coseMsg([]uint64{61}, prot(-7, kidP), nil, payload, sig), "unexpected tags [61]", 0, 0, nil, 0},
		{"tag 98", coseMsg([]uint64{98}, prot(-7, kidP), nil, payload, sig), "unexpected tag 98", 0, 0, nil, 0},
		{"tag 18 around 61", coseMsg([]uint64{18, 61}, prot(-7, kidP), nil, payload, sig), "unexpected tags [18 61]", 0, 0, nil, 0},
		{"three tags", coseMsg([]uint64{61, 18, 18}, prot(-7, kidP), nil, payload, sig), "unexpected tag 18", 0, 0, nil, 0},
		{"no alg", coseMsg([]uint64{18}, prot(0, kidP), nil, payload, sig), "no algorithm", 0, 0, nil, 0},
		{"trailing byte", append(coseMsg([]uint64{18}, prot(-7, kidP), nil, payload, sig), 0), "1 bytes after the COSE_Sign1", 0, 0, nil, 0},
		{"truncated", coseMsg([]uint64{18}, prot(-7, kidP), nil, payload, sig)[:40], "exceeds the remaining", 0, 0, nil, 0},
		{"empty", nil, "empty message", 0, 0, nil, 0},
		{"protected not a map", coseMsg([]uint64{18}, []byte{0x80}, nil, payload, sig), "protected header: want a map", 0, 0, nil, 0},
		{"protected trailing", coseMsg([]uint64{18}, append(prot(-7, kidP), 0), nil, payload, sig), "bytes after the map", 0, 0, nil, 0},
		{"duplicate protected key", coseMsg([]uint64{18}, []byte{0xa2, 0x01, 0x26, 0x01, 0x26}, nil, payload, sig), "duplicate map key 1", 0, 0, nil, 0},
		{"duplicate unprotected key", coseMsg([]uint64{18}, prot(-7, nil), func(w *writer) { w.b = append(w.b, 0xa2, 0x04, 0x41, 0x01, 0x04, 0x41, 0x02) }, payload, sig), "duplicate map key 4", 0, 0, nil, 0},
		{"kid not bytes", coseMsg([]uint64{18}, []byte{0xa2, 0x01, 0x26, 0x04, 0x61, 0x61}, nil, payload, sig), "kid: want a definite-length byte string", 0, 0, nil, 0},
		{"alg not int", coseMsg([]uint64{18}, []byte{0xa1, 0x01, 0x61, 0x61}, nil, payload, sig), "alg: want an integer", 0, 0, nil, 0},
		{"array of 3", []byte{0xd2, 0x83, 0x40, 0xa0, 0x40}, "has 3 items", 0, 0, nil, 0},
		{"detached payload", []byte{0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0xf6, 0x40}, "detached", 0, 0, nil, 0},
		{"indefinite array", []byte{0xd2, 0x9f, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x40, 0x40, 0xff}, "want a definite-length array", 0, 0, nil, 0},
		{"map instead of array", []byte{0xd2, 0xa0}, "want a definite-length array", 0, 0, nil, 0},
		{"huge bstr length", []byte{0xd2, 0x84, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "exceeds the remaining", 0, 0, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := ParseCOSE(tc.msg)
			if tc.wantErr != "" {
				var se *Error
				if !errors.As(err, &se) || se.Stage != StageCOSE || !strings.Contains(err.Error(), tc.wantErr) || code != nil {
					t.Errorf("ParseCOSE() = %v, %v, want a cose-stage error containing %q", code, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCOSE() error = %v", err)
			}
			if code.Alg != tc.alg || code.AlgFrom != tc.algFrom || !bytes.Equal(code.KID, tc.kid) || code.KIDFrom != tc.kidFrom {
				t.Errorf("ParseCOSE() alg %v from %v, kid %q from %v; want %v from %v, %q from %v",
					code.Alg, code.AlgFrom, code.KID, code.KIDFrom, tc.alg, tc.algFrom, tc.kid, tc.kidFrom)
			}
		})
	}
}

func TestParseClaims(t *testing.T) {
	native, err := MarshalNative(nativeCert())
	if err != nil {
		t.Fatal(err)
	}
	withHCERT := func(extra func(w *writer), n uint64) []byte {
		var w writer
		w.head(majorMap, n)
		extra(&w)
		w.int(claimHCERT)
		w.head(majorMap, 1)
		w.int(NativeKey)
		w.b = append(w.b, native...)
		return w.b
	}
	for _, tc := range []struct {
		name    string
		cwt     []byte
		wantErr string
		iat     int64
		iatNano int64
	}{
		{"int times", withHCERT(func(w *writer) { w.int(claimIat); w.int(1620000000) }, 2), "", 1620000000, 0},
		{"float64 time", withHCERT(func(w *writer) {
			w.int(claimIat)
			w.b = binary.BigEndian.AppendUint64(append(w.b, 0xfb), math.Float64bits(1620000000))
		}, 2), "", 1620000000, 0},
		{"fractional float", withHCERT(func(w *writer) { w.int(claimIat); w.float(1620000000.5) }, 2), "", 1620000000, 5e8},
		{"float32 time", withHCERT(func(w *writer) { w.int(claimIat); w.float(16777216) }, 2), "", 16777216, 0},
		{"unknown claims ignored", withHCERT(func(w *writer) { w.int(7); w.bytes([]byte("cti")); w.text("nbf"); w.int(1) }, 3), "", 0, 0},
		{"nan time", withHCERT(func(w *writer) { w.int(claimIat); w.b = append(w.b, 0xf9, 0x7e, 0x00) }, 2), "not finite", 0, 0},
		{"infinite time", withHCERT(func(w *writer) { w.int(claimExp); w.b = append(w.b, 0xf9, 0x7c, 0x00) }, 2), "not finite", 0, 0},
		{"text time", withHCERT(func(w *writer) { w.int(claimExp); w.text("2021") }, 2), "want a number", 0, 0},
		{"time out of range", withHCERT(func(w *writer) { w.int(claimExp); w.int(1 << 40) }, 2), "out of range", 0, 0},
		{"iss not text", withHCERT(func(w *writer) { w.int(claimIss); w.int(1) }, 2), "iss: want a definite-length text string", 0, 0},
		{"iss invalid utf8", withHCERT(func(w *writer) { w.int(claimIss); w.b = append(w.b, 0x62, 0xc3, 0x28) }, 2), "not valid UTF-8", 0, 0},
		{"duplicate iat", withHCERT(func(w *writer) { w.int(claimIat); w.int(1); w.int(claimIat); w.int(2) }, 3), "duplicate map key 6", 0, 0},
		{"duplicate hcert", withHCERT(func(w *writer) {
			w.int(claimHCERT)
			w.head(majorMap, 1)
			w.int(NativeKey)
			w.b = append(w.b, native...)
		}, 2), "duplicate map key -260", 0, 0},
		{"no hcert", []byte{0xa1, 0x01, 0x62, 'C', 'N'}, "no hcert claim", 0, 0},
		{"hcert empty", []byte{0xa1, 0x39, 0x01, 0x03, 0xa0}, "neither", 0, 0},
		{"hcert both", func() []byte {
			var w writer
			w.head(majorMap, 1)
			w.int(claimHCERT)
			w.head(majorMap, 2)
			w.int(SubClaimDCC)
			w.head(majorMap, 0)
			w.int(NativeKey)
			w.b = append(w.b, native...)
			return w.b
		}(), "both", 0, 0},
		{"not a map", []byte{0x80}, "want a map", 0, 0},
		{"trailing", append(withHCERT(func(*writer) {}, 1), 0x00), "bytes after the claims map", 0, 0},
		{"too many pairs", []byte{0xb9, 0xff, 0xff}, "exceeds the limit", 0, 0},
		{"deep nesting", append(append([]byte{0xa2, 0x18, 0x63}, bytes.Repeat([]byte{0x81}, 40)...), 0x00), "nesting exceeds", 0, 0},
		{"indefinite map", append(append([]byte{0xbf}, withHCERT(func(*writer) {}, 1)[1:]...), 0xff), "", 0, 0},
		{"unterminated indefinite map", append([]byte{0xbf}, withHCERT(func(*writer) {}, 1)[1:]...), "unexpected end", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims, kind, raw, err := ParseClaims(tc.cwt)
			if tc.wantErr != "" {
				var se *Error
				if !errors.As(err, &se) || se.Stage != StageCWT || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ParseClaims() error = %v, want a cwt-stage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClaims() error = %v", err)
			}
			if kind != KindNative || !bytes.Equal(raw, native) {
				t.Errorf("ParseClaims() kind %q raw %x, want native %x", kind, raw, native)
			}
			if tc.iat != 0 && !claims.IssuedAt.Equal(time.Unix(tc.iat, tc.iatNano)) {
				t.Errorf("IssuedAt = %v, want %v", claims.IssuedAt, time.Unix(tc.iat, tc.iatNano))
			}
		})
	}
}

func TestParseStages(t *testing.T) {
	ks := testKeys(t)
	good, err := Sign(SignInput{Native: nativeCert()}, ks["ES256"].signer, SignOptions{Certificate: ks["ES256"].cert})
	if err != nil {
		t.Fatal(err)
	}
	cose, err := SignCOSE(SignInput{Native: nativeCert()}, ks["ES256"].signer, SignOptions{Certificate: ks["ES256"].cert})
	if err != nil {
		t.Fatal(err)
	}
	uncompressed := Prefix + base45.Encode(cose)
	bomb := func() string {
		// 1 MiB of zeros compresses to about 1 KiB (EncodeCOSE refuses
		// to write it).
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return Prefix + base45.Encode(buf.Bytes())
	}()
	compressedGood, _ := DecodeBase45(good[4:])
	trailing := Prefix + base45.Encode(append(append([]byte(nil), compressedGood...), 0))
	badChecksum := append([]byte(nil), compressedGood...)
	badChecksum[len(badChecksum)-1] ^= 0xff
	truncated := compressedGood[:len(compressedGood)-6]
	// Replace the native payload by one that does not decode.
	badNative, _ := Sign(SignInput{Issuer: "CN", DCC: &dcc.Payload{Version: "1.3.0"}}, ks["ES256"].signer, SignOptions{Certificate: ks["ES256"].cert})
	_ = badNative
	for _, tc := range []struct {
		name  string
		text  string
		stage Stage
		msg   string
	}{
		{"no prefix", good[4:], StagePrefix, "want \"HC1:\""},
		{"HL0", "HL0:" + good[4:], StagePrefix, "\"HL0:\""},
		{"HC2", "HC2:" + good[4:], StagePrefix, "\"HC2:\""},
		{"lower case", "hc1:" + good[4:], StagePrefix, ""},
		{"empty", "", StagePrefix, ""},
		{"too long", Prefix + strings.Repeat("0", 5000), StagePrefix, "exceeds size limit"},
		{"lower-case base45", Prefix + strings.ToLower(good[4:]), StageBase45, "invalid character"},
		{"single trailing char", good + strings.Repeat("0", (4-len(good[4:])%3)%3), StageBase45, "trailing single character"},
		{"empty body", Prefix, StageZlib, "no data"},
		{"not compressed", uncompressed, StageZlib, "not a zlib stream"},
		{"bomb", bomb, StageZlib, "exceeds size limit"},
		{"trailing after zlib", trailing, StageZlib, "after the end of the zlib stream"},
		{"bad checksum", Prefix + base45.Encode(badChecksum), StageZlib, "checksum"},
		{"truncated zlib", Prefix + base45.Encode(truncated), StageZlib, "truncated"},
		{"not COSE", mustEncode(t, []byte{0x01, 0x02}), StageCOSE, ""},
		{"payload not claims", mustEncode(t, coseMsg([]uint64{18}, []byte{0xa1, 0x01, 0x26}, nil, []byte{0x80}, make([]byte, 64))), StageCWT, "want a map"},
		{"bad native payload", mustEncode(t, coseMsg([]uint64{18}, []byte{0xa1, 0x01, 0x26}, nil,
			claimsBytes(t, func(w *writer) { w.head(majorMap, 1); w.int(NativeKey); w.head(majorMap, 0) }), make([]byte, 64))), StagePayload, "no version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Parse(tc.text)
			var se *Error
			if !errors.As(err, &se) || se.Stage != tc.stage || !strings.Contains(err.Error(), tc.msg) || code != nil {
				t.Errorf("Parse() = %v, %v, want a %s-stage error containing %q", code, err, tc.stage, tc.msg)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "hc1: "+string(tc.stage)+": ") {
				t.Errorf("error %q lacks the %q prefix", err, "hc1: "+string(tc.stage)+": ")
			}
		})
	}
}

func mustEncode(t *testing.T, cose []byte) string {
	t.Helper()
	s, err := EncodeCOSE(cose)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUnmarshalNativeHostile(t *testing.T) {
	good, err := MarshalNative(nativeCert())
	if err != nil {
		t.Fatal(err)
	}
	enc := func(f func(w *writer)) []byte { var w writer; f(&w); return w.b }
	ev := func(f func(w *writer)) []byte {
		return enc(func(w *writer) {
			w.head(majorMap, 3)
			w.int(nkVersion)
			w.int(1)
			w.int(nkHolder)
			w.head(majorMap, 0)
			w.int(nkEvents)
			w.head(majorArray, 1)
			f(w)
		})
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" means success
	}{
		{"good", good, ""},
		{"trailing", append(append([]byte(nil), good...), 0), "bytes after the payload"},
		{"version 2", enc(func(w *writer) { w.head(majorMap, 1); w.int(0); w.int(2) }), "unsupported version 2"},
		{"no version", enc(func(w *writer) { w.head(majorMap, 0) }), "no version"},
		{"unknown reserved key", enc(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(1); w.int(5); w.int(0) }), "unknown key 5"},
		{"extension key skipped", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(5); w.int(1000); w.text("x") }), ""},
		{"negative key skipped", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(5); w.int(-1); w.head(majorArray, 0) }), ""},
		{"text key", enc(func(w *writer) { w.head(majorMap, 1); w.text("v"); w.int(1) }), "is not an integer"},
		{"no events", enc(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(1); w.int(3); w.head(majorMap, 0) }), "no events"},
		{"zero events", enc(func(w *writer) {
			w.head(majorMap, 3)
			w.int(0)
			w.int(1)
			w.int(3)
			w.head(majorMap, 0)
			w.int(4)
			w.head(majorArray, 0)
		}), "0 events"},
		{"too many events", enc(func(w *writer) {
			w.head(majorMap, 3)
			w.int(0)
			w.int(1)
			w.int(3)
			w.head(majorMap, 0)
			w.int(4)
			w.head(majorArray, 65)
			for range 65 {
				w.head(majorMap, 1)
				w.int(0)
				w.int(5)
			}
		}), "65 events"},
		{"event without type", ev(func(w *writer) { w.head(majorMap, 0) }), "no type"},
		{"event type 9", ev(func(w *writer) { w.head(majorMap, 1); w.int(0); w.int(9) }), "unknown type 9"},
		{"type last", ev(func(w *writer) { w.head(majorMap, 2); w.int(8); w.int(20200101); w.int(0); w.int(5) }), ""},
		{"unknown event key", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(5); w.int(20); w.int(0) }), "unknown key 20"},
		{"bad date", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(5); w.int(8); w.int(20201301) }), "not YYYYMMDD"},
		{"bad result", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(2); w.int(11); w.int(7) }), "unknown result code 7"},
		{"dose 0", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(1); w.int(11); w.int(0) }), "out of range"},
		{"quantity without cut-off", ev(func(w *writer) {
			w.head(majorMap, 2)
			w.int(0)
			w.int(3)
			w.int(13)
			w.head(majorMap, 1)
			w.int(1)
			w.float(1)
		}), "needs a value"},
		{"duplicate event key", ev(func(w *writer) { w.head(majorMap, 2); w.int(0); w.int(5); w.int(0); w.int(5) }), "duplicate map key 0"},
		{"deep extension", ev(func(w *writer) {
			w.head(majorMap, 2)
			w.int(0)
			w.int(5)
			w.int(1000)
			for range 30 {
				w.head(majorArray, 1)
			}
			w.int(0)
		}), "nesting exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := UnmarshalNative(tc.b)
			if tc.want == "" {
				if err != nil || c == nil {
					t.Errorf("UnmarshalNative() = %v, %v, want success", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || c != nil || !errors.Is(err, ErrNative) {
				t.Errorf("UnmarshalNative() = %v, %v, want an ErrNative error containing %q", c, err, tc.want)
			}
		})
	}
}

func TestDERConversion(t *testing.T) {
	for _, tc := range []struct{ r, s []byte }{
		{bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0x01}, 32)},
		{append(make([]byte, 31), 1), append([]byte{0x7f}, make([]byte, 31)...)},
		{make([]byte, 32), make([]byte, 32)},
	} {
		der := rawToDER(nil, tc.r, tc.s)
		raw, err := derToRaw(der, 32)
		if err != nil || !bytes.Equal(raw, append(append([]byte(nil), tc.r...), tc.s...)) {
			t.Errorf("derToRaw(rawToDER(%x, %x)) = %x, %v", tc.r, tc.s, raw, err)
		}
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x02, 0x02, 0x00}, {0x31, 0x00}, append([]byte{0x30, 0x23, 0x02, 0x21}, make([]byte, 33)...)} {
		if _, err := derToRaw(bad, 32); err == nil {
			t.Errorf("derToRaw(%x) succeeded", bad)
		}
	}
}
