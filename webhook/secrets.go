package webhook

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// LoadSecrets reads a secret file (vigil serve --webhook-secret-file):
// one secret a line as ParseSecret reads it; blank lines and lines
// starting with # are skipped. Every secret signs every webhook (Sign),
// so a secret is rotated by adding the new one, moving receivers to it,
// then removing the old one. It refuses a file the group may write or
// others may read or write, as vigil's other key files, and a file with
// no secret or a line that is not one (naming the line, never its text).
func LoadSecrets(path string) ([]Secret, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: secret file: %w", err)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o027 != 0 {
		return nil, fmt.Errorf("webhook: secret file %s has mode %04o: others may read or write it, or the group write it; chmod 600 it", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: secret file: %w", err)
	}
	var secrets []Secret
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := ParseSecret(line)
		if err != nil {
			return nil, fmt.Errorf("webhook: secret file %s, line %d: %w", path, n, err)
		}
		secrets = append(secrets, s)
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("webhook: secret file %s holds no secret (one whsec_ secret a line)", path)
	}
	return secrets, nil
}
