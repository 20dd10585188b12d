package web

import "strings"

// Device summarises a User-Agent header for people: "Firefox on Windows",
// "Safari on iPhone", "Chrome on Android", "curl". It recognises the common
// browsers and systems only; anything else is "Unknown browser on <system>"
// or "Unknown device". The result is a description, never a security
// decision: a User-Agent is whatever the client says.
func Device(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown device"
	}
	if tool := toolName(ua); tool != "" {
		return tool
	}
	b, os := browserName(ua), systemName(ua)
	switch {
	case b != "" && os != "":
		return b + " on " + os
	case b != "":
		return b
	case os != "":
		return "Unknown browser on " + os
	}
	return "Unknown device"
}

// match is one product token and the name it stands for; the first match
// in a list wins, so more specific tokens come first (Edge and Opera also
// say "Chrome", Chrome also says "Safari").
type match struct{ token, name string }

var browsers = []match{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edge/", "Edge"},
	{"OPR/", "Opera"}, {"OPT/", "Opera"}, {"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"YaBrowser/", "Yandex Browser"},
	{"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"HeadlessChrome/", "Headless Chrome"},
	{"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"},
	{"Trident/", "Internet Explorer"}, {"MSIE ", "Internet Explorer"},
	{"Safari/", "Safari"},
}

var systems = []match{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"iPod", "iPod"},
	{"Windows Phone", "Windows Phone"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
	{"Ubuntu", "Ubuntu"}, {"Fedora", "Fedora"},
	{"Linux", "Linux"}, {"X11", "Linux"},
}

// tools are programs rather than browsers, named on their own.
var tools = []match{
	{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "Go program"},
	{"python-requests/", "Python program"}, {"python-httpx/", "Python program"}, {"Python-urllib/", "Python program"},
	{"PostmanRuntime/", "Postman"}, {"okhttp/", "Android app"}, {"node-fetch", "Node.js program"},
}

func browserName(ua string) string { return first(ua, browsers) }
func systemName(ua string) string  { return first(ua, systems) }

func toolName(ua string) string {
	for _, m := range tools {
		if strings.HasPrefix(ua, m.token) {
			return m.name
		}
	}
	return ""
}

func first(ua string, list []match) string {
	for _, m := range list {
		if strings.Contains(ua, m.token) {
			return m.name
		}
	}
	return ""
}
