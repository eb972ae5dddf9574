package envelope

import (
	"bytes"
	"crypto/ecdh"
	"os"
	"path/filepath"
	"testing"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/scan"
)

// TestThreeRecipientsFitOneQR renders a native code with three events,
// encrypted for three countries (P-256 keys, the larger), as one QR code at
// error correction Q, and reads it back with package scan and with zbarimg
// (which must be installed under CI=true).
func TestThreeRecipientsFitOneQR(t *testing.T) {
	inner, _ := issue(t)
	text := seal(t, inner, newCountry(t, "XB", ecdh.P256()), newCountry(t, "XC", ecdh.P256()), newCountry(t, "XD", ecdh.P256()))
	code, err := qr.Encode(text, qr.Options{})
	if err != nil {
		t.Fatalf("qr.Encode() of %d characters: %v", len(text), err)
	}
	if code.Level != qr.LevelQ || len(code.Segments) != 1 || code.Segments[0].Mode != qr.ModeAlphanumeric {
		t.Errorf("qr.Encode() = level %v, %d segments; want level Q, one alphanumeric segment", code.Level, len(code.Segments))
	}
	t.Logf("signed code %d characters, encrypted for 3 countries %d characters: QR version %d at level Q", len(inner), len(text), code.Version)
	var png bytes.Buffer
	if err := code.WritePNG(&png, qr.ImageOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := scan.Decode(bytes.NewReader(png.Bytes()))
	if err != nil || got != text {
		t.Fatalf("scan.Decode() = %.20q…, %v; want the encrypted code", got, err)
	}
	file := filepath.Join(t.TempDir(), "encrypted.png")
	if err := os.WriteFile(file, png.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if z := qrtest.ZbarTexts(t, []string{file}); z[0] != text {
		t.Fatalf("zbarimg read %.20q…, want the encrypted code", z[0])
	}
}
