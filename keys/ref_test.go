package keys

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

func intp(n int) *int { return &n }

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want Ref
	}{
		{"keys/dsc.key", Ref{Kind: KindFile, Path: "keys/dsc.key"}},
		{"/etc/ithc/csca.key", Ref{Kind: KindFile, Path: "/etc/ithc/csca.key"}},
		{"file:keys/dsc.key", Ref{Kind: KindFile, Path: "keys/dsc.key"}},
		{"file:pkcs11:odd", Ref{Kind: KindFile, Path: "pkcs11:odd"}},
		{"./pkcs11:odd", Ref{Kind: KindFile, Path: "./pkcs11:odd"}},
		{"pkcs11:token=ithc;object=csca", Ref{Kind: KindPKCS11, Token: "ithc", Object: "csca"}},
		{"pkcs11:token=CN%20HSM;object=dsc%3B1;id=%01%a0%FF", Ref{Kind: KindPKCS11, Token: "CN HSM", Object: "dsc;1", ID: []byte{1, 0xa0, 0xff}}},
		{"pkcs11:token=t;id=%00", Ref{Kind: KindPKCS11, Token: "t", ID: []byte{0}}},
		{"pkcs11:serial=0123abcd;object=k;type=private", Ref{Kind: KindPKCS11, Serial: "0123abcd", Object: "k"}},
		{"pkcs11:slot-id=7;object=k", Ref{Kind: KindPKCS11, SlotID: intp(7), Object: "k"}},
		{"pkcs11:token=t;object=k?module-path=/usr/lib/x.so&pin-source=file:/run/pin",
			Ref{Kind: KindPKCS11, Token: "t", Object: "k", ModulePath: "/usr/lib/x.so", PINSource: "file:/run/pin"}},
		{"pkcs11:token=t;object=k;module-path=/usr/lib/x.so;pin-value=1234",
			Ref{Kind: KindPKCS11, Token: "t", Object: "k", ModulePath: "/usr/lib/x.so", PINValue: "1234"}},
		{"pkcs11:token=t;object=k?", Ref{Kind: KindPKCS11, Token: "t", Object: "k"}},
		{"pkcs11:token=张;object=签名", Ref{Kind: KindPKCS11, Token: "张", Object: "签名"}},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if err != nil {
			t.Errorf("ParseRef(%q) = %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseRefErrors(t *testing.T) {
	tests := []struct {
		in, want string // want: a fragment of the error
	}{
		{"", "empty reference"},
		{"file:", "names no file"},
		{"keys/a\nb.key", "control characters"},
		{"keys/\xff.key", "invalid UTF-8"},
		{strings.Repeat("a", limits.MaxKeyRef+1), "longer than"},
		{"pkcs11:", "no token"},
		{"pkcs11:object=k", "no token"},
		{"pkcs11:token=t", "no key"},
		{"pkcs11:token=t;serial=1;object=k", "only one of"},
		{"pkcs11:token=t;slot-id=1;object=k", "only one of"},
		{"pkcs11:token=t;object=k;colour=red", `unknown attribute "colour"`},
		{"pkcs11:manufacturer=SoftHSM;token=t;object=k", `"manufacturer" is not supported`},
		{"pkcs11:token=t;object=k?module-name=softhsm2", `"module-name" is not supported`},
		{"pkcs11:token=t;object=k;object=j", `"object" appears twice`},
		{"pkcs11:token=t;object=k%2", "truncated percent escape"},
		{"pkcs11:token=t;object=k%zz", "bad percent escape"},
		{"pkcs11:token=t;object=", `"object" is empty`},
		{"pkcs11:token=t;id=", `"id" is empty`},
		{"pkcs11:token=t;object=%ff", "not valid UTF-8"},
		{"pkcs11:token=t;object=k;type=cert", "type=cert"},
		{"pkcs11:token=t;object=k;pin-value=1;pin-source=/p", "not both"},
		{"pkcs11:object=k?token=t", "belongs in the path"},
		{"pkcs11:token=t;object=k;slot-id=x", `slot-id "x"`},
		{"pkcs11:slot-id=-1;object=k", `slot-id "-1"`},
		{"pkcs11:token=t;object", "not name=value"},
		{"pkcs11:token=t;;object=k", "not name=value"},
		{"pkcs11:token=t;=k", "not name=value"},
	}
	for _, tt := range tests {
		r, err := ParseRef(tt.in)
		if err == nil {
			t.Errorf("ParseRef(%.40q) = %+v, want an error containing %q", tt.in, r, tt.want)
			continue
		}
		if !errors.Is(err, ErrBadRef) {
			t.Errorf("ParseRef(%.40q) = %v, want ErrBadRef", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keys: ") {
			t.Errorf("ParseRef(%.40q) = %q, want keys: ... %q", tt.in, err, tt.want)
		}
		if !reflect.DeepEqual(r, Ref{}) {
			t.Errorf("ParseRef(%.40q) returned %+v with its error", tt.in, r)
		}
	}
}

func TestRefString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"keys/dsc.key", "keys/dsc.key"},
		{"file:keys/dsc.key", "keys/dsc.key"},
		{"file:pkcs11:odd", "file:pkcs11:odd"},
		{"pkcs11:object=k;token=CN HSM;id=%01%ab", "pkcs11:token=CN%20HSM;object=k;id=%01%AB"},
		{"pkcs11:token=t;object=k;pin-value=secret;module-path=/usr/lib/x.so", "pkcs11:token=t;object=k?module-path=/usr/lib/x.so"},
		{"pkcs11:slot-id=3;object=a&b?pin-source=file:/run/pin", "pkcs11:slot-id=3;object=a%26b?pin-source=file:/run/pin"},
	}
	for _, tt := range tests {
		r, err := ParseRef(tt.in)
		if err != nil {
			t.Fatalf("ParseRef(%q) = %v", tt.in, err)
		}
		if got := r.String(); got != tt.want {
			t.Errorf("ParseRef(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(r.String(), "secret") {
			t.Errorf("String() shows the PIN: %q", r.String())
		}
	}
}

func TestParseTokenRef(t *testing.T) {
	r, err := ParseTokenRef("pkcs11:token=CN%20HSM?pin-source=file:/run/pin&module-path=/usr/lib/x.so")
	if err != nil {
		t.Fatal(err)
	}
	want := Ref{Kind: KindPKCS11, Token: "CN HSM", PINSource: "file:/run/pin", ModulePath: "/usr/lib/x.so"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseTokenRef() = %+v, want %+v", r, want)
	}
	k := r.WithObject("dsc-1")
	if got := k.String(); got != "pkcs11:token=CN%20HSM;object=dsc-1?module-path=/usr/lib/x.so&pin-source=file:/run/pin" {
		t.Errorf("WithObject().String() = %q", got)
	}
	if again, err := ParseRef(k.String()); err != nil || again.Object != "dsc-1" || again.Token != "CN HSM" {
		t.Errorf("ParseRef(WithObject) = %+v, %v", again, err)
	}
	for _, bad := range []string{"keys/x", "pkcs11:object=k", "pkcs11:token=t;object=k", "pkcs11:token=t;id=%01", "pkcs11:token=t;x=1", "pkcs11:token=\x01"} {
		if r, err := ParseTokenRef(bad); err == nil || !errors.Is(err, ErrBadRef) {
			t.Errorf("ParseTokenRef(%q) = %+v, %v; want ErrBadRef", bad, r, err)
		}
	}
}

// FuzzParseRef: no panic; a parsed reference prints to a string that parses
// back to the same reference (without the PIN value, which String omits).
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"keys/dsc.key", "file:/x", "pkcs11:token=ithc;object=csca",
		// RFC 7512 section 3.3 examples.
		"pkcs11:object=my-pubkey;type=public",
		"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
		"pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
		"pkcs11:slot-description=Sun%20Metaslot",
		"pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
		"pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
		"pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
		"pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-source=file:/etc/token_pin",
		"pkcs11:object=my-cert;type=cert;id=%01%02?pin-source=file:/etc/token_pin",
		"pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
		"pkcs11:slot-id=1;id=%01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !reflect.DeepEqual(r, Ref{}) {
				t.Fatalf("ParseRef(%q) returned %+v with error %v", s, r, err)
			}
			return
		}
		r.PINValue = ""
		if r.Kind == KindPKCS11 && r.Token == "" && r.Serial == "" && r.SlotID == nil {
			t.Fatalf("ParseRef(%q) accepted a reference without a token", s)
		}
		again, err := ParseRef(r.String())
		if err != nil {
			t.Fatalf("ParseRef(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip of %q: %+v, then %q gives %+v", s, r, r.String(), again)
		}
	})
}
