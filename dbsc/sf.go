package dbsc

import (
	"errors"
	"strconv"
)

// A small parser for RFC 9651 structured fields, enough to read the DBSC
// headers as Chromium's quiche parser does: lists whose members are items or
// inner lists, each with parameters. Bare items of every RFC 9651 type are
// recognised so that a valid header never fails for a parameter vigil ignores.

var errSF = errors.New("dbsc: not a structured field")

// sfToken is a bare token (ES256); a Go string is an sf-string.
type sfToken string

// sfDate is an RFC 9651 date (@1659578233).
type sfDate int64

// sfDisplay is an RFC 9651 display string (%"...").
type sfDisplay string

type sfParam struct {
	key string
	val any
}

type sfItem struct {
	val    any
	params []sfParam
}

type sfMember struct {
	inner  bool
	item   sfItem   // when !inner
	items  []sfItem // when inner
	params []sfParam
}

// param returns the last value of key, as quiche does for duplicates.
func param(ps []sfParam, key string) (any, bool) {
	var v any
	found := false
	for _, p := range ps {
		if p.key == key {
			v, found = p.val, true
		}
	}
	return v, found
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) eof() bool { return p.i >= len(p.s) }

func (p *sfParser) skipSP() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseSFList parses a whole field value as an sf-list.
func parseSFList(s string) ([]sfMember, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var out []sfMember
	for !p.eof() {
		m, err := p.member()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		p.skipOWS()
		if p.eof() {
			return out, nil
		}
		if p.s[p.i] != ',' {
			return nil, errSF
		}
		p.i++
		p.skipOWS()
		if p.eof() {
			return nil, errSF // trailing comma
		}
	}
	return out, nil
}

// parseSFItem parses a whole field value as an sf-item.
func parseSFItem(s string) (sfItem, error) {
	p := &sfParser{s: s}
	p.skipSP()
	it, err := p.item()
	if err != nil {
		return sfItem{}, err
	}
	p.skipSP()
	if !p.eof() {
		return sfItem{}, errSF
	}
	return it, nil
}

func (p *sfParser) member() (sfMember, error) {
	if !p.eof() && p.s[p.i] == '(' {
		items, err := p.innerList()
		if err != nil {
			return sfMember{}, err
		}
		ps, err := p.params()
		if err != nil {
			return sfMember{}, err
		}
		return sfMember{inner: true, items: items, params: ps}, nil
	}
	it, err := p.item()
	if err != nil {
		return sfMember{}, err
	}
	return sfMember{item: it, params: it.params}, nil
}

func (p *sfParser) innerList() ([]sfItem, error) {
	p.i++ // '('
	var items []sfItem
	for {
		p.skipSP()
		if p.eof() {
			return nil, errSF
		}
		if p.s[p.i] == ')' {
			p.i++
			return items, nil
		}
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if p.eof() || (p.s[p.i] != ' ' && p.s[p.i] != ')') {
			return nil, errSF
		}
	}
}

func (p *sfParser) item() (sfItem, error) {
	v, err := p.bareItem()
	if err != nil {
		return sfItem{}, err
	}
	ps, err := p.params()
	if err != nil {
		return sfItem{}, err
	}
	return sfItem{val: v, params: ps}, nil
}

func (p *sfParser) params() ([]sfParam, error) {
	var ps []sfParam
	for !p.eof() && p.s[p.i] == ';' {
		p.i++
		p.skipSP()
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		var v any = true
		if !p.eof() && p.s[p.i] == '=' {
			p.i++
			if v, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		ps = append(ps, sfParam{key: k, val: v})
	}
	return ps, nil
}

func (p *sfParser) key() (string, error) {
	start := p.i
	if p.eof() || !(isLcalpha(p.s[p.i]) || p.s[p.i] == '*') {
		return "", errSF
	}
	for !p.eof() {
		c := p.s[p.i]
		if !isLcalpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' && c != '*' {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) bareItem() (any, error) {
	if p.eof() {
		return nil, errSF
	}
	switch c := p.s[p.i]; {
	case c == '-' || isDigit(c):
		return p.number()
	case c == '"':
		return p.str()
	case c == '*' || isAlpha(c):
		return p.token(), nil
	case c == ':':
		return p.bytes()
	case c == '?':
		return p.boolean()
	case c == '@':
		p.i++
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		i, ok := n.(int64)
		if !ok {
			return nil, errSF
		}
		return sfDate(i), nil
	case c == '%':
		return p.display()
	}
	return nil, errSF
}

func (p *sfParser) number() (any, error) {
	start := p.i
	if !p.eof() && p.s[p.i] == '-' {
		p.i++
	}
	digits, dot := 0, -1
	for !p.eof() {
		c := p.s[p.i]
		if isDigit(c) {
			digits++
			p.i++
			continue
		}
		if c == '.' && dot < 0 && digits > 0 && digits <= 12 {
			dot = digits
			p.i++
			continue
		}
		break
	}
	text := p.s[start:p.i]
	if digits == 0 {
		return nil, errSF
	}
	if dot < 0 {
		if digits > 15 {
			return nil, errSF
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, errSF
		}
		return n, nil
	}
	if frac := digits - dot; frac < 1 || frac > 3 {
		return nil, errSF
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, errSF
	}
	return f, nil
}

func (p *sfParser) str() (string, error) {
	p.i++ // opening quote
	var b []byte
	start := p.i
	for !p.eof() {
		c := p.s[p.i]
		switch {
		case c == '\\':
			if p.i+1 >= len(p.s) || (p.s[p.i+1] != '"' && p.s[p.i+1] != '\\') {
				return "", errSF
			}
			if b == nil {
				b = append(b, p.s[start:p.i]...)
			}
			b = append(b, p.s[p.i+1])
			p.i += 2
		case c == '"':
			p.i++
			if b == nil {
				return p.s[start : p.i-1], nil
			}
			return string(b), nil
		case c < 0x20 || c > 0x7e:
			return "", errSF
		default:
			if b != nil {
				b = append(b, c)
			}
			p.i++
		}
	}
	return "", errSF // unterminated
}

func (p *sfParser) token() sfToken {
	start := p.i
	p.i++
	for !p.eof() && (isTchar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
		p.i++
	}
	return sfToken(p.s[start:p.i])
}

func (p *sfParser) bytes() ([]byte, error) {
	p.i++
	start := p.i
	for !p.eof() && p.s[p.i] != ':' {
		c := p.s[p.i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			return nil, errSF
		}
		p.i++
	}
	if p.eof() {
		return nil, errSF
	}
	text := p.s[start:p.i]
	p.i++
	return []byte(text), nil // the bytes are never used: kept encoded
}

func (p *sfParser) boolean() (bool, error) {
	if p.i+1 >= len(p.s) {
		return false, errSF
	}
	c := p.s[p.i+1]
	p.i += 2
	switch c {
	case '1':
		return true, nil
	case '0':
		return false, nil
	}
	return false, errSF
}

func (p *sfParser) display() (sfDisplay, error) {
	if p.i+1 >= len(p.s) || p.s[p.i+1] != '"' {
		return "", errSF
	}
	p.i += 2
	start := p.i
	for !p.eof() {
		c := p.s[p.i]
		if c == '"' {
			p.i++
			return sfDisplay(p.s[start : p.i-1]), nil
		}
		if c < 0x20 || c > 0x7e {
			return "", errSF
		}
		p.i++
	}
	return "", errSF
}

func isDigit(c byte) bool   { return '0' <= c && c <= '9' }
func isLcalpha(c byte) bool { return 'a' <= c && c <= 'z' }
func isAlpha(c byte) bool   { return isLcalpha(c) || ('A' <= c && c <= 'Z') }

// isTchar is RFC 9110's tchar.
func isTchar(c byte) bool {
	if isAlpha(c) || isDigit(c) {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// quoteSF writes s as an sf-string. Bytes an sf-string cannot hold (controls,
// DEL, non-ASCII) are percent-encoded, so the result always parses.
func quoteSF(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '%', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
