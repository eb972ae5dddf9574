package verifier

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWASMCurrent rebuilds the page's decoder with the pinned Go release
// (go generate's command) and fails when the committed web/scan.wasm
// differs: run "go generate ./verifier" and commit the result. It also
// checks that web/wasm_exec.js is that release's, with its licence header.
func TestWASMCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilding the WebAssembly decoder takes a while; not in -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go command is not in PATH")
		}
		t.Skip("the go command is not in PATH")
	}
	src, err := os.ReadFile("web.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(src, []byte("//go:generate sh -c \"GOTOOLCHAIN="+wasmToolchain+" ")) +
		bytes.Count(src, []byte("$(GOTOOLCHAIN="+wasmToolchain+" go env GOROOT)")); n != 2 {
		t.Fatalf("the go:generate lines of web.go do not both name %s (wasmToolchain)", wasmToolchain)
	}
	env := append(os.Environ(), "GOTOOLCHAIN="+wasmToolchain)
	out := filepath.Join(t.TempDir(), "scan.wasm")
	cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags=-s -buildid=", "-buildvcs=false", "-o", out, "./internal/qrwasm")
	// CGO_ENABLED=0 as go generate builds it: .ci/test exports 1 for the
	// race detector, which changes the wasm build.
	cmd.Env = append(env, "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the decoder with %s: %v\n%s", wasmToolchain, err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("web/scan.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Errorf("web/scan.wasm is stale (%d bytes, a fresh build has %d): run \"go generate ./verifier\" and commit it", len(committed), len(fresh))
	}
	cmd = exec.Command(gobin, "env", "GOROOT")
	cmd.Env = env
	goroot, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("web/wasm_exec.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("web/wasm_exec.js is not the one of %s: run \"go generate ./verifier\"", wasmToolchain)
	}
	if !bytes.HasPrefix(got, []byte("// Copyright 2018 The Go Authors. All rights reserved.")) {
		t.Errorf("web/wasm_exec.js lost its licence header")
	}
}
