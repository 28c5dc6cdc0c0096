package image_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// tokenServer is a distribution token-auth server on 127.0.0.1, in the
// test process: it checks basic credentials and issues RS256 JWTs, with the
// signing certificate in the x5c header, that grant the scopes asked for to
// the one known user and nothing to anyone else, as Docker Hub does for a
// private repository.
type tokenServer struct {
	Realm, Service, Issuer string
	Bundle                 string // PEM certificate the registry trusts
	user, password         string
	key                    *rsa.PrivateKey
	certDER                []byte

	mu     sync.Mutex
	grants []string // "user scope" of each token issued, "-" for anonymous
}

func startTokenServer(t *testing.T, user, password string) *tokenServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "berth test token signer"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &tokenServer{
		// The realm names the host, not the IP: go-containerregistry refuses
		// a realm that is a private or loopback IP literal unless it is the
		// registry's own host:port (an SSRF guard), a DNS name it accepts.
		Realm: fmt.Sprintf("http://localhost:%d/token", l.Addr().(*net.TCPAddr).Port), Service: "berth-test-registry", Issuer: "berth-test-issuer",
		Bundle: filepath.Join(t.TempDir(), "token-ca.pem"), user: user, password: password, key: key, certDER: der,
	}
	if err := os.WriteFile(ts.Bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(ts.serve)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ts
}

// config is the registry's auth section for this server.
func (ts *tokenServer) config() string {
	return fmt.Sprintf("auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
		ts.Realm, ts.Service, ts.Issuer, ts.Bundle)
}

type resourceActions struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	user, password, hasAuth := r.BasicAuth()
	if hasAuth && (user != ts.user || password != ts.password) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintln(w, `{"details":"incorrect username or password"}`)
		return
	}
	if r.URL.Query().Get("service") != ts.Service {
		http.Error(w, "unknown service", http.StatusBadRequest)
		return
	}
	access := []resourceActions{}
	scopes := r.URL.Query()["scope"]
	who := "-"
	if hasAuth {
		who = user
		for _, s := range scopes {
			// type:name:actions; a name may hold a port, so split at the ends.
			first, last := strings.Index(s, ":"), strings.LastIndex(s, ":")
			if first < 0 || first == last {
				http.Error(w, "bad scope "+s, http.StatusBadRequest)
				return
			}
			access = append(access, resourceActions{Type: s[:first], Name: s[first+1 : last], Actions: strings.Split(s[last+1:], ",")})
		}
	}
	ts.mu.Lock()
	ts.grants = append(ts.grants, who+" "+strings.Join(scopes, " "))
	ts.mu.Unlock()
	tok, err := ts.sign(who, access)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"token": tok, "access_token": tok, "expires_in": 300, "issued_at": time.Now().UTC().Format(time.RFC3339),
	})
}

// sign makes the compact JWS the registry verifies: x5c chains to the
// rootcertbundle, iss and aud are the configured issuer and service.
func (ts *tokenServer) sign(sub string, access []resourceActions) (string, error) {
	now := time.Now()
	header := map[string]any{"typ": "JWT", "alg": "RS256", "x5c": []string{base64.StdEncoding.EncodeToString(ts.certDER)}}
	claims := map[string]any{
		"iss": ts.Issuer, "sub": sub, "aud": ts.Service, "exp": now.Add(5 * time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(), "jti": fmt.Sprint(now.UnixNano()), "access": access,
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, ts.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// granted lists what each token was issued for, in order.
func (ts *tokenServer) granted() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.grants...)
}

// TestBearerTokenAuth against a registry with token auth and a token server
// in the test: refusals without and with wrong credentials, login, push and
// pull with the tokens it grants, stale credentials, logout.
func TestBearerTokenAuth(t *testing.T) {
	ts := startTokenServer(t, "bob", "t0ken-pass")
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{Auth: ts.config()})
	a := newEnv(t)
	a.ok("pull", "busybox")
	ref := reg.Addr + "/private/bb:1"
	a.ok("tag", "busybox", ref)
	if errOut := a.fail(1, "push", ref); !strings.Contains(errOut, "berth login "+reg.Addr) {
		t.Errorf("anonymous push should say to log in: %s", errOut)
	}
	errOut := a.fail(1, "login", "-u", "bob", "-p", "wrong", reg.Addr)
	if !strings.Contains(errOut, "unauthorized: check the user name and password") || !strings.Contains(errOut, "incorrect username or password") {
		t.Errorf("login with a wrong password: %s", errOut)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("login error is not one line: %q", errOut)
	}
	if _, err := os.Stat(filepath.Join(a.conf, "config.json")); err == nil {
		t.Error("a failed login wrote config.json")
	}
	if out := a.ok("login", "-u", "bob", "-p", "t0ken-pass", reg.Addr); !strings.Contains(out, "Login Succeeded") {
		t.Errorf("login: %q", out)
	}
	if got := storedAuth(t, a.conf, reg.Addr); got != "bob:t0ken-pass" {
		t.Fatalf("config.json after login has %q", got)
	}
	a.ok("push", ref)
	b := newEnv(t)
	b.conf = a.conf // the same credentials, another store
	b.ok("pull", ref)
	if a.inspect(ref)["Id"] != b.inspect(ref)["Id"] {
		t.Error("pulled image differs from the pushed one")
	}
	grants := strings.Join(ts.granted(), "\n")
	for _, want := range []string{"bob repository:private/bb:push,pull", "bob repository:private/bb:pull"} {
		if !strings.Contains(grants, want) {
			t.Errorf("token server never issued %q; issued:\n%s", want, grants)
		}
	}
	anon := newEnv(t)
	errOut = anon.fail(1, "pull", ref)
	if !strings.Contains(errOut, "authentication required") || !strings.Contains(errOut, "berth login "+reg.Addr) {
		t.Errorf("anonymous pull: %s", errOut)
	}
	stale := newEnv(t)
	writeAuth(t, stale.conf, reg.Addr, "bob:old-pass")
	if errOut := stale.fail(1, "pull", ref); !strings.Contains(errOut, "incorrect username or password") || !strings.Contains(errOut, "berth login "+reg.Addr) {
		t.Errorf("pull with a stale password: %s", errOut)
	}
	if out := a.ok("logout", reg.Addr); !strings.Contains(out, "Removing login credentials for "+reg.Addr) {
		t.Errorf("logout: %q", out)
	}
	if got := storedAuth(t, a.conf, reg.Addr); got != "" {
		t.Errorf("config.json after logout still has %q", got)
	}
	after := newEnv(t)
	after.conf = a.conf
	if errOut := after.fail(1, "pull", ref); !strings.Contains(errOut, "berth login "+reg.Addr) {
		t.Errorf("pull after logout: %s", errOut)
	}
}

// storedAuth decodes the user:password config.json in conf holds for host
// ("" if none).
func storedAuth(t *testing.T, conf, host string) string {
	t.Helper()
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	data, err := os.ReadFile(filepath.Join(conf, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config.json: %v\n%s", err, data)
	}
	dec, err := base64.StdEncoding.DecodeString(cfg.Auths[host].Auth)
	if err != nil {
		t.Fatalf("config.json auth for %s: %v", host, err)
	}
	return string(dec)
}

// writeAuth writes a config.json in conf with creds (user:password) for host.
func writeAuth(t *testing.T, conf, host, creds string) {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(creds))}}})
	if err := os.MkdirAll(conf, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}
