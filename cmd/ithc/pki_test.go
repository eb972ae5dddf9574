package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ithc/ithc/keys"
)

// TestPKIScriptsHSM runs the scripts in testdata/hsm with keys in SoftHSM:
// each script gets its own token directory with the tokens "cn-csca" and
// "cn-issuance" (user PIN in ITHC_PKCS11_PIN). Without SoftHSM the test is
// skipped, and fails under CI=true.
func TestPKIScriptsHSM(t *testing.T) {
	util, err := exec.LookPath("softhsm2-util")
	if err == nil {
		_, err = os.Stat(keys.DefaultModule)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SoftHSM 2 is required under CI=true (Debian package softhsm2): %v", err)
		}
		t.Skipf("SoftHSM 2 is not installed (Debian package softhsm2), skipping the HSM scripts: %v", err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/hsm",
		Setup: func(env *testscript.Env) error {
			dir := filepath.Join(env.WorkDir, ".softhsm")
			tokens := filepath.Join(dir, "tokens")
			if err := os.MkdirAll(tokens, 0o700); err != nil {
				return err
			}
			conf := filepath.Join(dir, "softhsm2.conf")
			text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens)
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				return err
			}
			for _, label := range []string{"cn-csca", "cn-issuance"} {
				cmd := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", "1234", "--so-pin", "5678")
				cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
				if out, err := cmd.CombinedOutput(); err != nil {
					return fmt.Errorf("softhsm2-util: %v\n%s", err, out)
				}
			}
			env.Setenv("SOFTHSM2_CONF", conf)
			env.Setenv(keys.EnvPKCS11PIN, "1234")
			return nil
		},
	})
}
