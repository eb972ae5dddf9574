//go:build !cgo

package keys

import (
	"errors"
	"testing"
)

// TestNoPKCS11: without cgo, token references parse but cannot be used,
// and say why.
func TestNoPKCS11(t *testing.T) {
	if _, err := Open("pkcs11:token=t;object=k", Options{}); !errors.Is(err, ErrNoPKCS11) {
		t.Errorf("Open(pkcs11) = %v, want ErrNoPKCS11", err)
	}
	if _, err := Generate("pkcs11:token=t;object=k", AlgES256, Options{}); !errors.Is(err, ErrNoPKCS11) {
		t.Errorf("Generate(pkcs11) = %v, want ErrNoPKCS11", err)
	}
}
