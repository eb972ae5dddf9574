package verifier

import (
	"embed"
	"net/http"
	"path"
)

// The page's QR decoder is package scan compiled to WebAssembly
// (internal/qrwasm), committed as web/scan.wasm so that the service builds
// and the page works from a fresh clone without a WebAssembly build step;
// TestWASMCurrent rebuilds it and fails when the committed file is stale.
// The build is pinned to one Go release (wasmToolchain, the release CI
// tests with), so that every machine rebuilds the same bytes: -trimpath,
// no build ID, no VCS stamp. web/wasm_exec.js is that release's runtime
// support file from $(go env GOROOT)/lib/wasm, copied with its licence
// header. After changing package scan or its dependencies, run
// "go generate ./verifier" and commit both files.
//
//go:generate sh -c "GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0 GOOS=js GOARCH=wasm go build -trimpath '-ldflags=-s -buildid=' -buildvcs=false -o web/scan.wasm ./internal/qrwasm && chmod 644 web/scan.wasm"
//go:generate sh -c "cp \"$(GOTOOLCHAIN=go1.27.3 go env GOROOT)/lib/wasm/wasm_exec.js\" web/wasm_exec.js && chmod 644 web/wasm_exec.js"

// wasmToolchain is the Go release web/scan.wasm is built with; the
// generate lines above name it too, and TestWASMCurrent checks both.
const wasmToolchain = "go1.27.3"

//go:embed web/index.html web/app.js web/style.css web/wasm_exec.js web/scan.wasm
var webFS embed.FS

// contentSecurityPolicy allows only the page's own assets: no CDN, no
// inline script, WebAssembly compilation for the decoder, the camera
// stream and pictures drawn from it.
const contentSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var staticTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".wasm": "application/wasm",
	".html": "text/html; charset=utf-8",
}

func (s *Service) servePage(w http.ResponseWriter, r *http.Request) error {
	return s.serveFile(w, "index.html", "no-cache")
}

func (s *Service) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if name == "index.html" || path.Base(name) != name {
		return refuse(http.StatusNotFound, "not_found", "没有此文件。", "no such file: %s", name)
	}
	return s.serveFile(w, name, "public, max-age=3600")
}

func (s *Service) serveFile(w http.ResponseWriter, name, cache string) error {
	data, err := webFS.ReadFile("web/" + name)
	if err != nil {
		return refuse(http.StatusNotFound, "not_found", "没有此文件。", "no such file: %s", name)
	}
	ct, ok := staticTypes[path.Ext(name)]
	if !ok {
		return refuse(http.StatusNotFound, "not_found", "没有此文件。", "no such file: %s", name)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", cache)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(data)
	return err
}
