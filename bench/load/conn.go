package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection: a request is written whole,
// then its answer is read whole before the next request (no pipelining).
type conn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

// answer is what the generator checks in a response.
type answer struct {
	status int
	header bool // the expected header was present
	close  bool // the server will close the connection
}

var errMalformed = errors.New("malformed response")

func (c *conn) dial() error {
	nc, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return err
	}
	c.c = nc
	if c.r == nil {
		c.r = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.r.Reset(nc)
	}
	return nil
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// do sends req and reads the answer, looking for the header named want
// (lower-case, with the colon: "remote-user:").
func (c *conn) do(req []byte, want []byte) (answer, error) {
	if c.c == nil {
		if err := c.dial(); err != nil {
			return answer{}, err
		}
	}
	if _, err := c.c.Write(req); err != nil {
		c.close()
		return answer{}, err
	}
	a, err := c.read(want)
	if err != nil || a.close {
		c.close()
	}
	return a, err
}

// read parses a status line, headers and a Content-Length or chunked body.
func (c *conn) read(want []byte) (answer, error) {
	var a answer
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return a, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return a, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	if a.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return a, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	length, chunked := int64(-1), false
	for {
		line, err = c.r.ReadSlice('\n')
		if err != nil {
			return a, err
		}
		if len(line) <= 2 {
			break
		}
		switch {
		case hasFold(line, want):
			a.header = true
		case hasFold(line, []byte("content-length:")):
			length, err = strconv.ParseInt(string(bytes.TrimSpace(line[15:])), 10, 64)
			if err != nil {
				return a, fmt.Errorf("%w: %q", errMalformed, line)
			}
		case hasFold(line, []byte("transfer-encoding:")):
			chunked = bytes.Contains(bytes.ToLower(line), []byte("chunked"))
		case hasFold(line, []byte("connection:")):
			a.close = bytes.Contains(bytes.ToLower(line), []byte("close"))
		}
	}
	switch {
	case chunked:
		err = c.discardChunked()
	case length >= 0:
		_, err = c.r.Discard(int(length))
	default:
		// No length: the body runs to the end of the connection.
		_, err = io.Copy(io.Discard, c.r)
		a.close = true
	}
	return a, err
}

func (c *conn) discardChunked() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		sz := bytes.TrimSpace(line)
		if i := bytes.IndexByte(sz, ';'); i >= 0 {
			sz = sz[:i]
		}
		n, err := strconv.ParseInt(string(sz), 16, 64)
		if err != nil {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err = c.r.ReadSlice('\n')
				if err != nil || len(line) <= 2 {
					return err
				}
			}
		}
		if _, err := c.r.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

// hasFold reports whether line starts with the lower-case prefix p, ignoring
// ASCII case.
func hasFold(line, p []byte) bool {
	if len(p) == 0 || len(line) < len(p) {
		return false
	}
	for i, b := range p {
		c := line[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b {
			return false
		}
	}
	return true
}
