package load

import (
	"slices"
	"strconv"
)

// GetWithCookie returns a Build function for GET path requests to host that
// carry cookie name=tokens[i % len(tokens)] and the extra header lines
// given ("Name: value"), so that successive requests rotate through the
// tokens.
func GetWithCookie(host, path, name string, tokens []string, headers ...string) func([]byte, uint64, int) []byte {
	prefix := []byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: vigil-bench\r\n")
	for _, h := range headers {
		prefix = append(prefix, h+"\r\n"...)
	}
	prefix = append(prefix, "Cookie: "+name+"="...)
	n := uint64(len(tokens))
	return func(buf []byte, i uint64, _ int) []byte {
		buf = append(buf, prefix...)
		buf = append(buf, tokens[i%n]...)
		return append(buf, "\r\n\r\n"...)
	}
}

// PostJSON returns a Build function for POST path requests to host: the
// requests of connection k carry the JSON body and extra header lines
// perConn(k) returns, so each connection can be one client (its own user,
// its own address).
func PostJSON(host, path string, perConn func(k int) (body string, headers []string)) func([]byte, uint64, int) []byte {
	return func(buf []byte, _ uint64, k int) []byte {
		body, headers := perConn(k)
		buf = append(buf, "POST "+path+" HTTP/1.1\r\nHost: "+host+
			"\r\nUser-Agent: vigil-bench\r\nContent-Type: application/json\r\n"...)
		for _, h := range headers {
			buf = append(buf, h+"\r\n"...)
		}
		buf = append(buf, "Content-Length: "...)
		buf = strconv.AppendInt(buf, int64(len(body)), 10)
		buf = append(buf, "\r\n\r\n"...)
		return append(buf, body...)
	}
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
